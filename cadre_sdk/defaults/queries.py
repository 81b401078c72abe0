"""Provincial default plugin: queries (being written)."""
