"""The ``cadre`` command line: the command group (``app``), the commands, the reports of
``cadre rules``, and the generated CLI doc (``clidoc``)."""
