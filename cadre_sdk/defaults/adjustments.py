"""Provincial default plugin: adjustments (being written)."""
