"""Provincial default plugin: staffing (being written)."""
