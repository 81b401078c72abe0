"""cadre-yushu: 玉树藏族自治州's local rules for cadre-sdk (entry point ``cadre_yushu.plugin:plugin``)."""
