"""cadre-xining: 西宁市's local rules for cadre-sdk (entry point ``cadre_xining.plugin``)."""
