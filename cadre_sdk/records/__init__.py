"""Record kinds: frozen attrs classes, one per table, declared with ``column``.

``RECORD_TYPES`` maps each kind to its class in an order that references allow loading in.
"""
# isort: off  (import order is registration order: referenced kinds first)
from cadre_sdk.records import vocab
from cadre_sdk.records.fields import RECORD_TYPES, column, fields_of, record
from cadre_sdk.records.places import Region, Unit
from cadre_sdk.records.people import Cadre, Posting
from cadre_sdk.records.inspection import Achievement, Observation
from cadre_sdk.records.assessment import Assessment, Evaluation, IndicatorScore, TargetProgress
from cadre_sdk.records.history import AnnualGrade
from cadre_sdk.records.cases import Case, CaseEvent, CaseFinding
from cadre_sdk.records.adjustment import Adjustment
from cadre_sdk.records.care import Attendance, CareRecord, Commendation, Training
# isort: on

__all__ = [
    "RECORD_TYPES", "column", "record", "fields_of", "vocab",
    "Region", "Unit", "Cadre", "Posting", "Observation", "Achievement",
    "Assessment", "IndicatorScore", "Evaluation", "TargetProgress", "AnnualGrade",
    "Case", "CaseEvent", "CaseFinding", "Adjustment",
    "Training", "CareRecord", "Attendance", "Commendation",
]
