"""任免审批表 (.lrmx): reading a file, its résumé lines, and loading it (see ``docs/lrmx.md``)."""
