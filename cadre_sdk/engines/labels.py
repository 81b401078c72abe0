"""The Chinese labels of the engines' result tables, without the engines: the modules that
describe those tables are imported by name, so the publication (which reads the labels) does
not import the engines themselves (``engines.registry`` imports every engine)."""
from __future__ import annotations

import importlib

from cadre_sdk.store.table_labels import TableLabels, all_described

#: The modules that label the engines' result tables (``table_labels.describe``), and the
#: calendar's (the store's own tables are labelled where the store is defined).
LABEL_MODULE_NAMES: tuple[str, ...] = (
    "cadre_sdk.engines.assessment.labels", "cadre_sdk.engines.cases.labels",
    "cadre_sdk.engines.staffing.labels", "cadre_sdk.engines.subsidies.schema",
    "cadre_sdk.store.calendar",
)


def table_labels() -> dict[str, TableLabels]:
    """The Chinese labels of every engine result table (and of the other described tables)."""
    for name in LABEL_MODULE_NAMES:
        importlib.import_module(name)
    return all_described()
