"""Helpers every layer uses: errors, jurisdictions and division codes, normalizing clerks' text,
the working-day calendar, traces of computations, value statuses. Imports nothing else of the SDK."""
