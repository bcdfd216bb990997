"""Reads of cases, always from ``visible_to(actor)``, showing only the field groups allowed."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from opentrm.accounts.policy import Access, Actor, FieldGroup
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import (
    Case,
    CaseParticipant,
    ConsentDecision,
    ConsentPurpose,
    ConsentRecord,
    IdentificationStatus,
    PersonName,
)
from opentrm.directory.models import Organisation

if TYPE_CHECKING:
    from opentrm.cases.search import CaseSearch
    from opentrm.cases.sharing_overview import ParticipantSharing
    from opentrm.cases.timeline import TimelineEntry


def case_list(
    *,
    actor: Actor,
    mine_only: bool = False,
    search: "CaseSearch | None" = None,
    first_name_only: bool = False,
) -> QuerySet[Case]:
    """The cases the actor may see, newest first, or narrowed and sorted by ``search``
    (``cases.search``).

    ``first_name_only``: each case annotated with its person's first name (``first_name``,
    what a list row shows) instead of all the names prefetched: no second query, no name
    objects (issue 18)."""
    cases: QuerySet[Case] = Case.objects.visible_to(actor)
    if actor.organisation_id is None:
        return cases.none()
    if mine_only:
        managed = CaseParticipant.objects.filter(
            case=OuterRef("pk"), organisation_id=actor.organisation_id, case_manager=actor.user
        )
        cases = cases.filter(Exists(managed))
    order: tuple[str, ...] = ("-opened_on", "-id")
    if search is not None:
        cases = search.apply(cases, actor=actor)
        order = search.ordering()
    cases = cases.select_related("person", "owner_organisation")
    if first_name_only:
        first = PersonName.objects.filter(person_id=OuterRef("person_id")).order_by("order", "id")
        cases = cases.annotate(first_name=Subquery(first.values("value")[:1]))
    else:
        cases = cases.prefetch_related(
            Prefetch("person__names", queryset=PersonName.objects.order_by("order", "id"))
        )
    return cases.order_by(*order)


@dataclass(frozen=True)
class CaseView:
    """A case as one actor may see it: groups the actor may not see of it are simply absent."""

    case: Case
    groups: frozenset[FieldGroup]
    editable: frozenset[FieldGroup]
    is_child: bool

    @property
    def show(self) -> dict[str, bool]:
        """For templates: ``view.show.identity``."""
        return {group.value: group in self.groups for group in FieldGroup}

    @property
    def edits_person(self) -> bool:
        return bool(self.editable & {FieldGroup.IDENTITY, FieldGroup.CONTACT})

    @property
    def display_name(self) -> str:
        """A name if the actor may see identity data, else the case number."""
        if FieldGroup.IDENTITY in self.groups:
            names = list(self.case.person.names.all())
            if names:
                return names[0].value
        return self.case.number


def case_view(*, actor: Actor, case: Case, is_child: bool | None = None) -> CaseView:
    """The field groups of ``case`` the actor sees and edits: the role's, narrowed for an
    organisation that does not own the case to what the owner shares with it
    (``access.visible_groups``; lists call ``sharing.prime_sharing`` first, to stay at a fixed
    number of queries).

    ``is_child``: pass ``states.is_child_case`` (which knows about age assessments) for one
    case; lists use the person's age alone, to stay at a fixed number of queries."""
    from opentrm.cases.access import group_accesses  # access imports us

    accesses = group_accesses(actor, case)
    return CaseView(
        case=case,
        groups=frozenset(g for g, a in accesses.items() if a >= Access.VIEW),
        editable=frozenset(g for g, a in accesses.items() if a >= Access.EDIT),
        is_child=case.person.is_child_on(timezone.localdate()) if is_child is None else is_child,
    )


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list, its values worked out once in Python: the page renders 50
    of them, and a template's lookups, filters and ``{% url %}`` per cell cost more than the
    rest of the request (issue 18)."""

    url: str
    number: str
    display_name: str
    is_child: bool
    opened: str
    identification: str
    owner: str


def case_rows(*, actor: Actor, cases: Sequence[Case]) -> list[CaseRow]:
    """The case list's rows as ``actor`` sees them: a name only where identity is visible
    (``access.group_access``, as ``case_view``). Call ``sharing.prime_sharing`` first, as
    for ``case_view``; cases from ``case_list(first_name_only=True)`` carry their first name,
    others read it from the prefetched names."""
    from django.urls import reverse
    from django.utils.formats import date_format

    from opentrm.cases.access import group_access  # access imports us

    labels = {value: str(label) for value, label in IdentificationStatus.choices}
    today = timezone.localdate()
    detail = reverse("cases:case_detail", args=["00000000-0000-0000-0000-000000000000"])
    prefix, suffix = detail.split("00000000-0000-0000-0000-000000000000")
    rows = []
    for case in cases:
        name = case.number
        if group_access(actor, case, FieldGroup.IDENTITY) >= Access.VIEW:
            name = _first_name(case) or name
        rows.append(
            CaseRow(
                url=f"{prefix}{case.public_id}{suffix}",
                number=case.number,
                display_name=name,
                is_child=case.person.is_child_on(today),
                opened=date_format(case.opened_on, "SHORT_DATE_FORMAT"),
                identification=labels.get(case.identification_status, case.identification_status),
                owner=str(case.owner_organisation),
            )
        )
    return rows


def _first_name(case: Case) -> str:
    if "first_name" in case.__dict__:
        return str(case.__dict__["first_name"] or "")
    names = list(case.person.names.all())
    return names[0].value if names else ""


def consent_takers(case: Case) -> set[int]:
    """Ids of the organisations whose consent records count on ``case``: the owner, and the
    active participants the owner named as consent-taker."""
    named = CaseParticipant.objects.filter(case=case, is_active=True, takes_consent=True)
    return {case.owner_organisation_id, *named.values_list("organisation_id", flat=True)}


def _recorded_by_a_taker(case_id: str = "case_id", taken_for: str = "taken_for_id") -> Q:
    """A consent row counts only when recorded for the case's owner or for an organisation the
    owner names as consent-taker today. A row recorded by anyone else (an old row, a forged
    one, or one whose taker was un-named since) opens nothing."""
    named = CaseParticipant.objects.filter(
        case_id=OuterRef(case_id),
        organisation_id=OuterRef(taken_for),
        is_active=True,
        takes_consent=True,
    )
    return Q(**{taken_for: F("case__owner_organisation_id")}) | Q(Exists(named))


@cache
def _counted_consents() -> QuerySet[ConsentRecord]:
    """The consent records that count: recorded by the owner or a named consent-taker, and not
    corrected by a later record that counts itself (``supersedes``)."""
    correction = ConsentRecord.objects.filter(supersedes_id=OuterRef("pk")).filter(
        _recorded_by_a_taker()
    )
    return ConsentRecord.objects.filter(_recorded_by_a_taker()).exclude(Exists(correction))


def counted_consents() -> QuerySet[ConsentRecord]:
    """The consent records that count (``_counted_consents``): built once per process and
    cloned, as its two subqueries cost a millisecond of the ORM's work to build on every
    list and case page (issue 18); never evaluated itself, only its clones."""
    return _counted_consents().all()


def consent_in_force(
    *,
    case: Case,
    purpose: str,
    organisation: Organisation | None = None,
    country_code: str = "",
    on: date | None = None,
) -> ConsentRecord | None:
    """The consent that allows ``purpose`` (for this recipient) today, or None.

    The newest decision counts: a refusal after a consent ends it, as does a withdrawal or the
    expiry date. A consent for a country covers the organisations in it. Only decisions
    recorded by the owner organisation or a named consent-taker count (``counted_consents``).
    """
    day = on or timezone.localdate()
    decisions = counted_consents().filter(case=case, purpose=purpose, decided_on__lte=day)
    if purpose == ConsentPurpose.SHARE_DATA:
        decisions = decisions.filter(share_recipient(organisation, country_code))
    latest = decisions.order_by("-decided_on", "-id").first()
    if latest is None or not decision_in_force(latest, day):
        return None
    return latest


def latest_decision(*, case: Case, purpose: str) -> ConsentRecord | None:
    """The newest counted decision for ``purpose`` (given or refused), in force or not."""
    return (
        counted_consents().filter(case=case, purpose=purpose).order_by("-decided_on", "-id").first()
    )


def share_recipient(organisation: Organisation | None, country_code: str = "") -> Q:
    """Consents to share data that name this organisation, or its country (without naming an
    organisation)."""
    recipient = Q(recipient_organisation=organisation) if organisation else Q(pk__in=[])
    country = country_code or (organisation.country.code if organisation else "")
    if country:
        recipient |= Q(recipient_organisation__isnull=True, recipient_country=country)
    return recipient


def decision_in_force(latest: ConsentRecord, day: date) -> bool:
    """Whether the newest decision for a purpose (and recipient) allows it on ``day``."""
    return (
        latest.decision == ConsentDecision.GIVEN
        and latest.withdrawn_at is None
        and (latest.expires_on is None or latest.expires_on >= day)
    )


def cases_consenting_to_share(
    case_ids: Iterable[int], organisation: Organisation, *, on: date
) -> set[int]:
    """Of ``case_ids``, those whose person's consent to share data with ``organisation`` (or
    its country) is in force on ``on``: ``consent_in_force`` for many cases, in one query."""
    latest: dict[int, ConsentRecord] = {}
    decisions = (
        counted_consents()
        .filter(case_id__in=list(case_ids), purpose=ConsentPurpose.SHARE_DATA, decided_on__lte=on)
        .filter(share_recipient(organisation))
        .order_by("case_id", "-decided_on", "-id")
    )
    for decision in decisions:
        latest.setdefault(decision.case_id, decision)
    return {case_id for case_id, decision in latest.items() if decision_in_force(decision, on)}


# --- audited reads -------------------------------------------------------------------------------
# A read of a case file's personal data is audited here, where the pages and the API both get
# it, so what the two record cannot drift. ``via`` is the request's channel: the API's events
# say ``"via": "api"``, the pages' events carry no ``via``.

Via = Literal["web", "api"]


def with_via(via: Via, detail: dict[str, Any]) -> dict[str, Any]:
    return {**detail, "via": "api"} if via == "api" else detail


def case_read(
    *,
    actor: Actor,
    case: Case,
    via: Via,
    groups: Iterable[str] | None = None,
    view: str = "",
    **extra: Any,
) -> None:
    """Audit that ``actor`` was shown ``groups`` of ``case`` (on the page or route ``view``)."""
    detail: dict[str, Any] = {} if groups is None else {"groups": list(groups)}
    if view:
        detail["view"] = view
    record_event(
        event_type=EventType.CASE_VIEWED,
        actor=actor,
        target=case,
        detail=with_via(via, {**detail, **extra}),
    )


def assistance_read(*, actor: Actor, case: Case, via: Via, view: str) -> None:
    """Audit a page or route showing the assistance group (assessments, plans)."""
    case_read(actor=actor, case=case, via=via, groups=[FieldGroup.ASSISTANCE.value], view=view)


def cases_listed(
    *, actor: Actor, cases: Sequence[Case], via: Via, search: dict[str, Any] | None = None
) -> None:
    """Audit a page of the case list (which cases were shown) and the search that chose them:
    ``search`` holds codes, dates and ids only; a name search is recorded as ``"name": true``,
    never the name typed (``CaseSearch.audit_detail``)."""
    detail: dict[str, Any] = {"count": len(cases), "case_ids": [case.pk for case in cases]}
    if search:
        detail["search"] = search
    record_event(event_type=EventType.CASE_LISTED, actor=actor, detail=with_via(via, detail))


def case_detail(*, actor: Actor, case: Case, via: Via) -> CaseView:
    """The case file as ``actor`` sees it, its reading audited."""
    from opentrm.cases.states import is_child_case  # states imports us

    view = case_view(actor=actor, case=case, is_child=is_child_case(case, timezone.localdate()))
    case_read(actor=actor, case=case, via=via, groups=sorted(view.groups))
    return view


def consent_register(*, actor: Actor, case: Case, via: Via) -> list[ConsentRecord]:
    """The case's consent records, each annotated with whether it counts (``counts``); the
    reading audited."""
    case_read(actor=actor, case=case, via=via, view="consents")
    counted = counted_consents().filter(pk=OuterRef("pk"))
    return list(case.consents.annotate(counts=Exists(counted)))


def consent_counts(consent: ConsentRecord) -> bool:
    """Whether ``consent`` counts (``counted_consents``); read from the ``counts`` annotation
    of ``consent_register`` when there is one."""
    counts = getattr(consent, "counts", None)
    if counts is None:
        counts = counted_consents().filter(pk=consent.pk).exists()
    return bool(counts)


def case_sharing(*, actor: Actor, case: Case, via: Via) -> "list[ParticipantSharing]":
    """For the owner: what each organisation on the case is shared; the reading audited."""
    from opentrm.cases.sharing_overview import case_sharing_overview  # it imports us

    rows = case_sharing_overview(case)
    case_read(actor=actor, case=case, via=via, groups=[], view="sharing")
    return rows


def case_timeline_page(
    *, actor: Actor, case: Case, via: Via, page: int | str | None, per_page: int
) -> "Page[TimelineEntry]":
    """One page of the case's timeline as ``actor`` may see it; the reading audited (the
    groups the actor sees, how many entries were shown)."""
    from opentrm.cases.access import visible_groups  # access imports us
    from opentrm.cases.timeline import case_timeline

    shown = Paginator(case_timeline(actor=actor, case=case), per_page).get_page(page)
    record_event(
        event_type=EventType.CASE_TIMELINE_VIEWED,
        actor=actor,
        target=case,
        detail=with_via(
            via,
            {
                "groups": sorted(group.value for group in visible_groups(actor, case)),
                "count": len(shown),
            },
        ),
    )
    return shown
