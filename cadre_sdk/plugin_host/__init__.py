"""Hosting plugins: discovery (``get_plugin_manager``), the rule book and its resolution by
jurisdiction, overlays, and the watchdog that calls plugins' code."""
