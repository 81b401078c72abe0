"""cadre-haidong: 海东市's local rules for cadre-sdk (entry point ``cadre_haidong.plugin:plugin``)."""
