"""cadre-guoluo: 果洛藏族自治州's local rules for cadre-sdk (entry point ``cadre_guoluo.plugin``)."""
