"""cadre-haixi: 海西蒙古族藏族自治州's local rules for cadre-sdk (entry point ``cadre_haixi.plugin:plugin``)."""
