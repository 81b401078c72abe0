"""Provincial default plugin: tolerance (being written)."""
