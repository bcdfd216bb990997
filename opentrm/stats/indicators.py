"""The indicators and their breakdowns (issue 15 §1); each is defined in docs/statistics.md."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# --- breakdowns ---------------------------------------------------------------------------

TOTAL = "total"
CASE_DIMENSIONS = (
    "sex",
    "age_band",
    "child",
    "citizenship",
    "origin",
    "exploitation_country",
    "recruitment_country",
    "exploitation_type",
    "referrer_type",
    "identification",
)
REFERRAL_DIMENSIONS = ("kind", "partner_country")
MEASURE_DIMENSIONS = ("sop", "measure")
REFLECTION_DIMENSIONS = ("sex", "child", "citizenship")

DIMENSION_LABELS: dict[str, Promise] = {
    TOTAL: _("Total"),
    "sex": _("Sex"),
    "age_band": _("Age band"),
    "child": _("Child or adult"),
    "citizenship": _("Citizenship"),
    "origin": _("Country of origin"),
    "exploitation_country": _("Country of exploitation"),
    "recruitment_country": _("Country of recruitment"),
    "exploitation_type": _("Type of exploitation"),
    "referrer_type": _("Referred by (type)"),
    "identification": _("Presumed or identified"),
    "kind": _("Kind of referral or request"),
    "partner_country": _("Partner country"),
    "sop": _("Procedure (SOP)"),
    "measure": _("Measure"),
    "status": _("Status"),
    "entry": _("Directory entry"),
}
# Several values per case: a case counts once under each (its total is not their sum).
MULTI_VALUED = frozenset(
    {"citizenship", "origin", "exploitation_country", "recruitment_country", "exploitation_type"}
)

# CTDC's age bands (the global victim dataset): age at the opening of the case.
AGE_BANDS = (
    (0, 8, "0-8"),
    (9, 17, "9-17"),
    (18, 20, "18-20"),
    (21, 23, "21-23"),
    (24, 26, "24-26"),
    (27, 29, "27-29"),
    (30, 38, "30-38"),
    (39, 47, "39-47"),
    (48, 200, "48+"),
)
UNKNOWN = "unknown"


def age_band(age: int | None) -> str:
    if age is None:
        return UNKNOWN
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return UNKNOWN


# --- indicators ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Promise
    source: str  # "case", "referral", "measure", "reflection", "snapshot"
    dimensions: tuple[str, ...]
    unit: str = ""  # "hours" or "days": the cells also hold the sum; the mean is shown
    headline: bool = False  # on the coordinator's home page

    @property
    def is_duration(self) -> bool:
        return bool(self.unit)


_CASE = (TOTAL, *CASE_DIMENSIONS)
_REF = (TOTAL, *REFERRAL_DIMENSIONS)

INDICATORS: tuple[Indicator, ...] = (
    Indicator("new_cases", _("New cases"), "case", _CASE, headline=True),
    Indicator("identified_formally", _("Identified formally"), "case", _CASE, headline=True),
    Indicator("identified_informally", _("Identified informally"), "case", _CASE),
    Indicator("assisted", _("Accepted assistance"), "case", _CASE, headline=True),
    Indicator("returned", _("Returned"), "case", _CASE),
    Indicator("in_proceedings", _("In criminal or other proceedings"), "case", _CASE),
    Indicator("compensation_obtained", _("Compensation obtained"), "case", _CASE),
    Indicator("retrafficked", _("Trafficked before"), "case", _CASE),
    Indicator("referrals_sent", _("Referrals and requests sent"), "referral", _REF, headline=True),
    Indicator("acknowledged_in_time", _("Acknowledged within the time limit"), "referral", _REF),
    Indicator("answered_in_time", _("Answered within the time limit"), "referral", _REF),
    Indicator(
        "hours_to_acknowledgement",
        _("Time from referral to acknowledgement"),
        "referral",
        _REF,
        unit="hours",
    ),
    Indicator(
        "hours_to_acceptance", _("Time from referral to acceptance"), "referral", _REF, unit="hours"
    ),
    Indicator(
        "days_to_first_service",
        _("Time from referral to first service"),
        "referral",
        _REF,
        unit="days",
    ),
    Indicator(
        "reflection_periods",
        _("Reflection periods granted (length)"),
        "reflection",
        (TOTAL, *REFLECTION_DIMENSIONS),
        unit="days",
    ),
    Indicator("measures_started", _("Measures started"), "measure", (TOTAL, *MEASURE_DIMENSIONS)),
    Indicator("tasks_overdue", _("Overdue tasks"), "snapshot", (TOTAL,), headline=True),
    Indicator(
        "referrals_overdue", _("Referrals and requests overdue"), "snapshot", _REF, headline=True
    ),
    Indicator(
        "directory_overdue", _("Directory entries overdue for review"), "snapshot", (TOTAL, "entry")
    ),
    Indicator("exchange_packages", _("Node-exchange packages"), "snapshot", (TOTAL, "status")),
)
BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}
CASE_INDICATORS = tuple(i for i in INDICATORS if i.source == "case")


def indicator(code: str) -> Indicator:
    return BY_CODE[code]
