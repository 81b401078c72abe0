"""cadre-sdk: Qinghai's cadre-motivation system as software.

The public API for plugin authors: record classes, ``hookimpl``, rule types, dated parameters,
and the errors. Everything else is the host's business.
"""
__version__ = "0.1.0"

from cadre_sdk.core.errors import CadreError, DataError, ParameterError, PluginError, RowError  # noqa: E402
from cadre_sdk.hookspecs import hookimpl, record_kinds  # noqa: E402
from cadre_sdk.parameters import Parameters, ParameterValue, load_parameters  # noqa: E402
from cadre_sdk.rules import (  # noqa: E402
    AdjustmentSituation, CannedQuery, ConsequenceRule, GradeQuota, GradingRule, Indicator,
    IndicatorSet, PublicationThreshold, RedLine, RuleContext, ScoringFormula, StaffingRule,
    SubsidyRule, ToleranceVariant,
)

__all__ = [
    "__version__", "hookimpl", "record_kinds", "load_parameters", "Parameters", "ParameterValue",
    "CadreError", "DataError", "ParameterError", "PluginError", "RowError",
    "Indicator", "IndicatorSet", "ScoringFormula", "GradingRule", "GradeQuota",
    "ConsequenceRule", "SubsidyRule", "ToleranceVariant", "AdjustmentSituation",
    "StaffingRule", "CannedQuery", "RuleContext", "RedLine", "PublicationThreshold",
]
