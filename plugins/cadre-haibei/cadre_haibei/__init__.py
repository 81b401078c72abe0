"""cadre-haibei: 海北藏族自治州's local rules for cadre-sdk (entry point ``cadre_haibei.plugin:plugin``)."""
