"""Provincial default plugin: subsidies (being written)."""
