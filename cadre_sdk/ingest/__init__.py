"""Reading clerks' files into the store: readers by format, header detection, conversion in batches,
keys and references, updates, identity, 任免审批表 (``lrmx``), and the load pipeline (``loader``)."""
