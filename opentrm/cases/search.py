"""Finding a case: by number, any name of the person, status, identification, child or adult,
case manager, registration period; sorted (docs/cases.md, "Finding a case").

A name is matched through ``PersonNameKey`` (one row per word of every name, lower case, Latin
script, no diacritics: ``core.text``), a prefix lookup on an index. A name search reaches only
the cases of the actor's own organisation, and only for a role that sees identity data: a case
owned elsewhere shows its names only when the owner shares them, which depends on consent and
agreements evaluated per case (``access.organisation_groups``), and a name search that found
such a case would tell its name to an organisation not allowed to read it.
"""

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from opentrm.accounts.policy import Actor
from opentrm.cases.access import may_search_names
from opentrm.cases.models import AgeBand, Case, CaseParticipant, PersonNameKey
from opentrm.core.text import search_words

SORTS: dict[str, tuple[str, ...]] = {
    "-opened": ("-opened_on", "-id"),
    "opened": ("opened_on", "id"),
    "number": ("number",),
    "-number": ("-number",),
}


def _eighteen_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 18)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 18, day=28)


def child_condition(day: date) -> Q:
    """``Person.is_child_on(day)`` as a query on ``person__``: under 18, or age disputed, or
    age unknown and not estimated 18 or over."""
    return (
        Q(person__age_disputed=True)
        | Q(person__date_of_birth__gt=_eighteen_years_before(day))
        | (Q(person__date_of_birth__isnull=True) & ~Q(person__age_band=AgeBand.OVER_18))
    )


@dataclass(frozen=True)
class CaseSearch:
    """What the actor asked for; every field optional."""

    number: str = ""
    name: str = ""
    assistance_status: str = ""
    identification_status: str = ""
    child: bool | None = None
    case_manager_id: int | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    sort: str = "-opened"

    def narrows(self) -> bool:
        """Whether anything but the order was asked for (the plain list is not counted)."""
        return replace(self, sort="-opened") != CaseSearch()

    def apply(self, cases: QuerySet[Case], *, actor: Actor) -> QuerySet[Case]:
        """``cases`` narrowed to what was asked."""
        if self.number:
            cases = cases.filter(number__icontains=self.number.strip())
        if self.name:
            cases = self._by_name(cases, actor)
        if self.assistance_status:
            cases = cases.filter(assistance_status=self.assistance_status)
        if self.identification_status:
            cases = cases.filter(identification_status=self.identification_status)
        if self.child is not None:
            condition = child_condition(timezone.localdate())
            cases = cases.filter(condition) if self.child else cases.exclude(condition)
        if self.case_manager_id is not None and actor.organisation_id is not None:
            managed = CaseParticipant.objects.filter(
                case=OuterRef("pk"),
                organisation_id=actor.organisation_id,
                case_manager_id=self.case_manager_id,
            )
            cases = cases.filter(Exists(managed))
        if self.opened_from is not None:
            cases = cases.filter(opened_on__gte=self.opened_from)
        if self.opened_to is not None:
            cases = cases.filter(opened_on__lte=self.opened_to)
        return cases

    def _by_name(self, cases: QuerySet[Case], actor: Actor) -> QuerySet[Case]:
        words = search_words(self.name)
        if not words or not may_search_names(actor):
            return cases.none()
        cases = cases.filter(owner_organisation_id=actor.organisation_id)
        for word in words:  # every word typed starts a word of one of the person's names
            keys = PersonNameKey.objects.filter(
                person_id=OuterRef("person_id"), key__startswith=word
            )
            cases = cases.filter(Exists(keys))
        return cases

    def ordering(self) -> tuple[str, ...]:
        return SORTS.get(self.sort, SORTS["-opened"])

    def audit_detail(self) -> dict[str, Any]:
        """The search as the audit trail keeps it: codes, dates and ids; for a name only that
        one was given, never the name (docs/audit.md)."""
        detail: dict[str, Any] = {
            "number": self.number or None,
            "name": bool(self.name) or None,
            "assistance_status": self.assistance_status or None,
            "identification_status": self.identification_status or None,
            "child": self.child,
            "case_manager_id": self.case_manager_id,
            "opened_from": self.opened_from.isoformat() if self.opened_from else None,
            "opened_to": self.opened_to.isoformat() if self.opened_to else None,
            "sort": self.sort if self.sort != "-opened" else None,
        }
        return {key: value for key, value in detail.items() if value is not None}
