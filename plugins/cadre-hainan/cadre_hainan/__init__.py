"""cadre-hainan: 海南藏族自治州's local rules for cadre-sdk (entry point ``cadre_hainan.plugin:plugin``)."""
