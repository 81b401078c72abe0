"""Engines run the registered rules over the stored records and write results with their
explanations. Each engine module exposes ``NAME`` (Chinese label) and
``evaluate(db, plugins, *, as_of)`` (``as_of``: the evaluation date) returning a dict of counts;
``cadre evaluate`` runs them in ``registry.ENGINES`` order in one transaction. The list of
engines and the loader's after-load callbacks are in ``registry`` (one place).
"""
