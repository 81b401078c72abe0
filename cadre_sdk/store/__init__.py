"""The SQLite store: opening and migrating it (``database``), explanations, table labels and
the working-day calendar's tables."""
