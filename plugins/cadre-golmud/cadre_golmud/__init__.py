"""cadre-golmud: 格尔木市's local rules for cadre-sdk (entry point ``cadre_golmud.plugin:plugin``)."""
