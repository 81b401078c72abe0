"""Provincial default plugin: assessment (being written)."""
