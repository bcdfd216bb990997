"""Linking two person records as one person (issue 16 §4-§5): a reviewer who may open both
decides; both records stay as entered; the decision is audited in both cases' trails, can be
undone, and concurrent decisions are detected; the case file shows the linked histories
together, and a record the reader may not open only by its holder's name."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.audit_trail import case_audit_events
from opentrm.cases.models import Case, Person, PersonName
from opentrm.cases.services import NameData, case_register
from opentrm.linkage.models import LinkStatus, PersonLink
from opentrm.linkage.services.links import link_decide, linked_persons, not_same_persons

Login = Callable[[User], Client]

LATIN = "Marija Petrović"
CYRILLIC = "Марија Петровић"
OUTSIDER_NAME = "Zorica Fiktivna"


def _register(world: World, name: str, role: Role = Role.CASEWORKER) -> Case:
    return case_register(
        actor=world.actor(role),
        names=[NameData(name)],
        sex="female",
        date_of_birth=date(1998, 3, 4),
        citizenships=["RS"],
    )


def _outsider_case(world: World) -> Case:
    """A case of agency C (same country, takes no part in agency A's cases)."""
    member = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    from opentrm.accounts.policy import Actor

    return case_register(
        actor=Actor(user=member.user, membership=member),
        names=[NameData(OUTSIDER_NAME)],
        date_of_birth=date(1987, 11, 23),
    )


def _decide(client: Client, case: Case, other: Case, decision: str, version: int) -> Any:
    return client.post(
        reverse("linkage:decide", args=[case.public_id, other.public_id]),
        {"decision": decision, "version": version},
    )


def _decide_first(world: World, first: Case, second: Case, role: Role, decision: str) -> None:
    """``role`` of organisation A decides on the two records, first of all (version 0)."""
    link_decide(
        actor=world.actor(role), case=first, other=second, decision=decision, expected_version=0
    )


def _events(case: Case, event: EventType) -> list[AuditEvent]:
    trail = case_audit_events(case, organisation_ids=None, include_unattributed=True)
    return [e for e in trail if e.event_type == event]


def test_a_case_manager_links_two_records_and_both_stay_as_entered(
    world: World, login: Login
) -> None:
    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    client = login(world.user(Role.CASE_MANAGER))

    page = client.get(reverse("linkage:compare", args=[first.public_id]), {"number": second.number})
    assert page.status_code == 200
    assert LATIN in page.content.decode()
    assert CYRILLIC in page.content.decode()

    response = _decide(client, first, second, "linked", 0)
    assert response.status_code == 302
    link = PersonLink.objects.get()
    assert link.status == LinkStatus.LINKED
    assert linked_persons(first.person_id) == [second.person_id]
    # Both records are kept as they were entered: two persons, each with its own name.
    assert Person.objects.count() == 2
    assert list(PersonName.objects.filter(person=first.person).values_list("value", flat=True)) == [
        LATIN
    ]
    assert Case.objects.get(pk=second.pk).person_id == second.person_id

    # The case page of either names the other; the linked page shows both histories together.
    detail = client.get(reverse("cases:case_detail", args=[first.public_id])).content.decode()
    assert "Linked records" in detail
    assert second.number in detail
    together = client.get(reverse("linkage:case_links", args=[first.public_id])).content.decode()
    assert together.count("Case opened") == 2  # this record's history and the other's
    assert second.number in together
    assert first.number in together

    # Audited in both cases' trails.
    assert len(_events(first, EventType.PERSON_LINKED)) == 1
    assert len(_events(second, EventType.PERSON_LINKED)) == 1


def test_a_link_is_undone_and_not_the_same_is_remembered(world: World, login: Login) -> None:
    first = _register(world, LATIN)
    second = _register(world, "Marija Petrovska")
    client = login(world.user(Role.CASE_MANAGER))
    _decide(client, first, second, "linked", 0)
    link = PersonLink.objects.get()

    undone = client.post(
        reverse("linkage:undo", args=[second.public_id, link.public_id]),
        {"version": link.version},
    )
    assert undone.status_code == 302
    link.refresh_from_db()
    assert link.status == LinkStatus.UNDONE
    assert linked_persons(first.person_id) == []
    detail = client.get(reverse("cases:case_detail", args=[first.public_id])).content.decode()
    linked = detail[detail.index('id="linked-records"') :]
    linked = linked[: linked.index("</section>")]
    assert second.number not in linked  # (the candidate search may still propose it)
    assert len(_events(first, EventType.PERSON_LINK_UNDONE)) == 1
    assert len(_events(second, EventType.PERSON_LINK_UNDONE)) == 1

    _decide(client, first, second, "not_same", link.version)
    link.refresh_from_db()
    assert link.status == LinkStatus.NOT_SAME
    assert not_same_persons(first.person_id) == {second.person_id}
    assert not_same_persons(second.person_id) == {first.person_id}
    assert len(_events(second, EventType.PERSON_MARKED_NOT_SAME)) == 1


def test_a_decision_from_a_stale_page_is_refused(world: World, login: Login) -> None:
    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    other_reviewer = login(world.user(Role.GUARDIAN))
    # Both reviewers opened the comparison while nobody had decided (version 0).
    assert _decide(other_reviewer, first, second, "linked", 0).status_code == 302
    client = Client()
    client.force_login(world.user(Role.CASE_MANAGER))
    refused = _decide(client, first, second, "not_same", 0)
    assert refused.status_code == 409
    assert "Someone else decided on these two records meanwhile" in refused.content.decode()
    link = PersonLink.objects.get()
    assert link.status == LinkStatus.LINKED
    # An undo from a page older than the last decision is refused too.
    stale = link.version
    _decide(other_reviewer, first, second, "not_same", stale)
    client.post(reverse("linkage:undo", args=[first.public_id, link.public_id]), {"version": stale})
    link.refresh_from_db()
    assert link.status == LinkStatus.NOT_SAME
    assert len(_events(first, EventType.PERSON_LINK_UNDONE)) == 0


def test_who_cannot_open_the_other_record_is_refused_and_learns_only_its_holder(
    world: World, login: Login
) -> None:
    mine = _register(world, LATIN)
    theirs = _outsider_case(world)
    client = login(world.user(Role.CASE_MANAGER))

    by_number = client.get(
        reverse("linkage:compare", args=[mine.public_id]), {"number": theirs.number}
    )
    direct = _decide(client, mine, theirs, "linked", 0)
    for response in (by_number, direct):
        assert response.status_code == 403
        text = response.content.decode()
        assert "held by Agency C Outsider NGO" in text
        assert OUTSIDER_NAME not in text
        assert "1987" not in text
        assert "23.11" not in text
        assert "Nov" not in text
    assert not PersonLink.objects.exists()
    refusals = _events(theirs, EventType.ACCESS_DENIED)
    assert len(refusals) == 2  # in the holder's own trail


def test_a_caseworker_may_not_decide(world: World, login: Login) -> None:
    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    client = login(world.user(Role.CASEWORKER))
    assert _decide(client, first, second, "linked", 0).status_code == 403
    assert not PersonLink.objects.exists()
    # ... but reads the linked records page of a case it works on.
    assert client.get(reverse("linkage:case_links", args=[first.public_id])).status_code == 200


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.CASEWORKER])
def test_a_linked_record_the_reader_may_not_open_shows_only_its_holder(
    world: World, login: Login, role: Role
) -> None:
    mine = _register(world, LATIN)
    theirs = _outsider_case(world)
    # Linked by someone who could open both (e.g. a national office); made directly here.
    low, high = sorted([mine.person_id, theirs.person_id])
    PersonLink.objects.create(
        person_low_id=low,
        person_high_id=high,
        status=LinkStatus.LINKED,
        decided_by=world.user(Role.CASE_MANAGER),
        decided_for=world.agency_c,
        decided_at=timezone.now(),
    )
    client = login(world.user(role))
    for url in (
        reverse("cases:case_detail", args=[mine.public_id]),
        reverse("linkage:case_links", args=[mine.public_id]),
    ):
        text = client.get(url).content.decode()
        assert "A linked record is held by Agency C Outsider NGO — contact their focal point." in (
            text
        )
        assert theirs.number not in text
        assert OUTSIDER_NAME not in text
    history = client.get(reverse("linkage:case_links", args=[mine.public_id])).content.decode()
    assert history.count("Case opened") == 1  # only the reader's own record's history
    reads = _events(theirs, EventType.CASE_VIEWED)
    assert reads == []  # nothing of the other record was read


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_the_same_moment_one_is_refused() -> None:
    """Real concurrency (two connections): both start from "nobody decided yet"."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection, connections

    from conftest import build_world
    from opentrm.core.errors import ConflictError

    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: run with DATABASE_URL on PostgreSQL")
    world = build_world()
    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    start = Barrier(2)

    def decide(role: Role, decision: str) -> str:
        try:
            start.wait(timeout=10)
            _decide_first(world, first, second, role, decision)
            return decision
        except ConflictError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(
            pool.map(
                lambda args: decide(*args),
                [(Role.CASE_MANAGER, "linked"), (Role.GUARDIAN, "not_same")],
            )
        )
    assert results.count("refused") == 1
    (link,) = PersonLink.objects.all()
    assert link.status in results
    assert AuditEvent.objects.filter(target_type="linkage.personlink").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_decision_saved_by_another_reviewer_while_deciding_refuses_this_one() -> None:
    """The same race, its moment made certain: the other reviewer's decision is written (not
    yet committed) when this one reads "nobody decided yet", and commits while this one saves."""
    from conftest import build_world
    from opentrm.core.errors import ConflictError
    from opentrm.core.tests.threads import rival_write

    world = build_world()
    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)

    rival = rival_write(lambda: _decide_first(world, first, second, Role.GUARDIAN, "not_same"))
    with rival, pytest.raises(ConflictError) as refused:
        _decide_first(world, first, second, Role.CASE_MANAGER, "linked")
    assert refused.value.message == (
        "Someone else decided on these two records meanwhile. Reload the page."
    )
    (link,) = PersonLink.objects.all()
    assert link.status == LinkStatus.NOT_SAME
    assert AuditEvent.objects.filter(target_type="linkage.personlink").count() == 1


def test_the_candidate_search_never_proposes_a_record_marked_not_the_same(
    world: World, login: Login
) -> None:
    from opentrm.matching.index import person_data
    from opentrm.matching.services import find_candidates

    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    manager = world.actor(Role.CASE_MANAGER)

    def proposed() -> list[Case | None]:
        found = find_candidates(
            person_data(first.person), manager, exclude_person_id=first.person_id
        )
        return [candidate.case for candidate in found]

    assert second in proposed()  # the same name in another script is a candidate
    _decide(login(world.user(Role.CASE_MANAGER)), first, second, "not_same", 0)
    assert second not in proposed()


def test_the_same_decision_twice_changes_nothing(world: World, login: Login) -> None:
    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    client = login(world.user(Role.CASE_MANAGER))
    _decide(client, first, second, "linked", 0)
    assert _decide(client, first, second, "linked", 1).status_code == 302
    link = PersonLink.objects.get()
    assert (link.status, link.version) == (LinkStatus.LINKED, 1)
    assert len(_events(first, EventType.PERSON_LINKED)) == 1


def test_a_decision_removed_since_the_page_was_read_is_refused(world: World, login: Login) -> None:
    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    client = login(world.user(Role.CASE_MANAGER))
    refused = _decide(client, first, second, "linked", 2)
    assert refused.status_code == 409
    assert "This decision was removed meanwhile. Reload the page." in refused.content.decode()
    assert not PersonLink.objects.exists()


def test_undoing_a_decision_never_made_is_refused(world: World) -> None:
    from opentrm.core.errors import ConflictError

    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    with pytest.raises(ConflictError, match="There is no decision on these two records to undo"):
        _decide_first(world, first, second, Role.CASE_MANAGER, LinkStatus.UNDONE)
    assert not PersonLink.objects.exists()


def test_a_missing_or_deleted_record_and_a_decision_of_another_person_are_not_found(
    world: World, login: Login
) -> None:
    import uuid

    from opentrm.cases.services.registration import case_soft_delete

    first = _register(world, LATIN)
    second = _register(world, CYRILLIC)
    client = login(world.user(Role.CASE_MANAGER))
    _decide(client, first, second, "linked", 0)
    link = PersonLink.objects.get()
    unrelated = _register(world, "Zorica Treca")
    missing = reverse("linkage:decide", args=[first.public_id, uuid.uuid4()])
    assert client.get(missing).status_code == 404
    assert (
        client.post(
            reverse("linkage:undo", args=[unrelated.public_id, link.public_id]), {"version": 1}
        ).status_code
        == 404
    )
    case_soft_delete(actor=world.actor(Role.CASE_MANAGER), case=second, reason="Duplicate")
    assert (
        client.get(reverse("linkage:decide", args=[first.public_id, second.public_id])).status_code
        == 404
    )
    undo = client.post(
        reverse("linkage:undo", args=[first.public_id, link.public_id]), {"version": 1}, follow=True
    )
    assert "The other record no longer exists." in undo.content.decode()
    link.refresh_from_db()
    assert link.status == LinkStatus.LINKED


def test_a_participant_shown_no_identity_is_refused_the_linked_records(
    world: World, login: Login
) -> None:
    from opentrm.cases.services.participants import participant_add

    case = _register(world, LATIN, Role.CASE_MANAGER)
    participant_add(actor=world.actor(Role.CASE_MANAGER), case=case, organisation=world.agency_c)
    member = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    client = login(member.user)
    assert client.get(reverse("cases:case_detail", args=[case.public_id])).status_code == 200
    assert client.get(reverse("linkage:case_links", args=[case.public_id])).status_code == 403
