"""Cells in the making: what a case contributes to the breakdowns (``profiles``) and the
counts and sums by cell key (``Tally``), shared by the fill and the case contributions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from opentrm.cases.models import Case, CaseCountry, CaseExploitation, PersonCitizenship
from opentrm.cases.models.case import CountryRole, IdentificationStatus
from opentrm.stats.indicators import BY_CODE, TOTAL, UNKNOWN, age_band
from opentrm.stats.models import StatsCell
from opentrm.stats.services.months import chunks

IDENTIFIED: dict[str, str] = {
    IdentificationStatus.IDENTIFIED_FORMALLY: "identified",
    IdentificationStatus.IDENTIFIED_INFORMALLY: "identified",
    IdentificationStatus.PRESUMED: "presumed",
    IdentificationStatus.NOT_A_VICTIM: "not_a_victim",
}

# indicator, period, organisation, country, dimension, value
Key = tuple[str, date, int | None, str, str, str]


@dataclass
class Profile:
    """What a case contributes to the breakdowns (no identifier beyond the case id)."""

    organisation_id: int
    country: str
    opened: date
    values: dict[str, list[str]] = field(default_factory=dict)
    retrafficked: bool = False


def _child(dob: date | None, opened: date, estimate: str) -> tuple[str, str]:
    """(age band, child/adult) at the opening of the case."""
    if dob is not None:
        age = opened.year - dob.year - ((opened.month, opened.day) < (dob.month, dob.day))
        return age_band(age), "child" if age < 18 else "adult"
    if estimate == "under_18":
        return UNKNOWN, "child"
    if estimate == "over_18":
        return UNKNOWN, "adult"
    return UNKNOWN, UNKNOWN


def profiles(case_ids: Iterable[int]) -> dict[int, Profile]:
    """Breakdown values of the live cases among ``case_ids``."""
    found: dict[int, Profile] = {}
    for batch in chunks(sorted(set(case_ids))):
        cases_of: defaultdict[int, list[int]] = defaultdict(list)  # a person's cases
        rows = Case.objects.live().filter(pk__in=batch)
        for row in rows.values(
            "pk",
            "person_id",
            "owner_organisation_id",
            "owner_organisation__country__code",
            "opened_on",
            "identification_status",
            "referrer_type",
            "previously_trafficked",
            "person__sex",
            "person__date_of_birth",
            "person__age_band",
        ):
            band, child = _child(
                row["person__date_of_birth"], row["opened_on"], row["person__age_band"]
            )
            found[row["pk"]] = Profile(
                organisation_id=row["owner_organisation_id"],
                country=row["owner_organisation__country__code"] or "",
                opened=row["opened_on"],
                retrafficked=bool(row["previously_trafficked"]),
                values={
                    "sex": [row["person__sex"] or UNKNOWN],
                    "age_band": [band],
                    "child": [child],
                    "referrer_type": [row["referrer_type"] or UNKNOWN],
                    "identification": [IDENTIFIED.get(row["identification_status"], "other")],
                    "citizenship": [],
                    "origin": [],
                    "exploitation_country": [],
                    "recruitment_country": [],
                    "exploitation_type": [],
                },
            )
            cases_of[row["person_id"]].append(row["pk"])
        for person_id, code in PersonCitizenship.objects.filter(
            person_id__in=list(cases_of)
        ).values_list("person_id", "country_code"):
            for case_id in cases_of[person_id]:
                found[case_id].values["citizenship"].append(code.upper())
        roles: dict[str, str] = {
            CountryRole.ORIGIN: "origin",
            CountryRole.EXPLOITATION: "exploitation_country",
            CountryRole.RECRUITMENT: "recruitment_country",
        }
        for case_id, code, role in CaseCountry.objects.filter(
            case_id__in=batch, role__in=list(roles)
        ).values_list("case_id", "country_code", "role"):
            if case_id in found:
                found[case_id].values[roles[role]].append(code.upper())
        for case_id, kind in CaseExploitation.objects.filter(case_id__in=batch).values_list(
            "case_id", "type"
        ):
            if case_id in found:
                found[case_id].values["exploitation_type"].append(kind)
    for profile in found.values():
        for values in profile.values.values():
            if not values:
                values.append(UNKNOWN)
    return found


class Tally:
    """Counts and sums by cell key; ``period`` is the month of the events added without one."""

    def __init__(self, period: date | None = None) -> None:
        self.period = period
        self.count: Counter[Key] = Counter()
        self.total: defaultdict[Key, float] = defaultdict(float)

    def add(
        self,
        code: str,
        organisation_id: int | None,
        country: str,
        breakdown: dict[str, list[str]],
        amount: float | None = None,
        *,
        times: int = 1,
        period: date | None = None,
    ) -> None:
        """Count ``times`` events (each of ``amount``, for a duration) under every breakdown
        of the indicator ``code`` (a negative ``times`` takes them away)."""
        month = period or self.period
        assert month is not None  # a Tally without a period is always given one
        for dimension in BY_CODE[code].dimensions:
            values = (
                [""] if dimension == TOTAL else sorted(set(breakdown.get(dimension, [UNKNOWN])))
            )
            for value in values:
                key = (code, month, organisation_id, country, dimension, value[:64])
                self.count[key] += times
                if amount is not None:
                    self.total[key] += amount * times

    def changes(self) -> list[tuple[Key, int, float]]:
        """The keys whose count or sum is not zero, with both."""
        keys = set(self.count) | set(self.total)
        found = [(key, self.count.get(key, 0), self.total.get(key, 0.0)) for key in keys]
        return [(key, n, t) for key, n, t in found if n or t]

    def cells(self) -> list[StatsCell]:
        return [
            StatsCell(
                indicator=code,
                period=period,
                organisation_id=organisation_id,
                country_code=country,
                dimension=dimension,
                value=value,
                count=count,
                total=total,
            )
            for (code, period, organisation_id, country, dimension, value), count, total in (
                self.changes()
            )
        ]
