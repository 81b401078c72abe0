"""The engines, listed in one place: what ``cadre evaluate`` runs, in which order, and what the
loader runs after rows of a kind are written.

Nothing registers itself by being imported: a caller that needs the engines (the CLI, the
testing kit, the publication's labels) reads them from here and passes them on; the loader
gets its after-load callbacks as an argument (``loader.load_files(..., after_load=AFTER_LOAD)``).
A missing engine module is an ImportError here, never a silently shorter list.
"""
from __future__ import annotations

from types import ModuleType

from cadre_sdk.store.table_labels import TableLabels
from cadre_sdk.engines import after_load, labels
from cadre_sdk.engines.cases import engine as cases, labels as case_labels
from cadre_sdk.engines.assessment import engine as assessment, labels as assessment_labels
from cadre_sdk.engines.staffing import engine as staffing, labels as staffing_labels
from cadre_sdk.engines.subsidies import engine as subsidies, schema as subsidy_schema

#: The engine modules in running order. Each exposes ``NAME`` (Chinese label) and
#: ``evaluate(db, plugins, *, as_of)`` returning a dict of counts.
ENGINES: tuple[ModuleType, ...] = (assessment, cases, subsidies, staffing)

#: kind -> after-load callbacks, in the order they run (``engines.after_load``: imported by name
#: when a kind is loaded).
AFTER_LOAD = after_load.AFTER_LOAD

#: The modules that label the engines' result tables (``tables.describe``).
LABEL_MODULES: tuple[ModuleType, ...] = (assessment_labels, case_labels, staffing_labels,
                                         subsidy_schema)


def engine_name(module: ModuleType) -> str:
    """The engine's short name (``assessment``), as ``cadre evaluate --only`` takes it: the
    part of its module's name after ``cadre_sdk.engines.`` (a module or a package of its own)."""
    return module.__name__.removeprefix(f"{__package__}.").split(".")[0]


def table_labels() -> dict[str, TableLabels]:
    """The Chinese labels of every engine result table (and of the other described tables)."""
    return labels.table_labels()
