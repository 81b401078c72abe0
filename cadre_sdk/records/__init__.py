"""Record kinds: frozen attrs classes, one per table, declared with ``column``.

``RECORD_TYPES`` maps each kind to its class in an order that references allow loading in.
"""
# isort: off  (import order is registration order: referenced kinds first)
from . import vocab
from .fields import RECORD_TYPES, column, fields_of, record
from .places import Region, Unit
from .people import Cadre, Posting
from .inspection import Achievement, Observation
from .assessment import Assessment, Evaluation, IndicatorScore, TargetProgress
from .history import AnnualGrade
from .cases import Case, CaseEvent, CaseFinding
from .adjustment import Adjustment
from .care import Attendance, CareRecord, Commendation, Training
# isort: on

__all__ = [
    "RECORD_TYPES", "column", "record", "fields_of", "vocab",
    "Region", "Unit", "Cadre", "Posting", "Observation", "Achievement",
    "Assessment", "IndicatorScore", "Evaluation", "TargetProgress", "AnnualGrade",
    "Case", "CaseEvent", "CaseFinding", "Adjustment",
    "Training", "CareRecord", "Attendance", "Commendation",
]
