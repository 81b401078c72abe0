"""cadre-huangnan: 黄南藏族自治州's local rules for cadre-sdk (entry point ``cadre_huangnan.plugin:plugin``)."""
