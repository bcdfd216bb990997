"""The consent + agreement gate on every case screen (issue 4; docs/permissions.md, rule 3).

An organisation that takes part in a case it does not own -- here agency C, of the owner's
country, added by agency A's case manager -- sees the case, and of its personal data only the
field groups an agreement in force lets the owner pass to it, while the person's consent to
share with it is in force. Its role's rights apply within those groups.
"""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.models import Membership
from opentrm.accounts.policy import Access, Action, FieldGroup, can
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import actor_api, browser, member_actor, user_browser
from opentrm.agreements import services as agreement_services
from opentrm.agreements.models import Agreement
from opentrm.agreements.tests.factories import editor, make_agreement
from opentrm.cases.access import group_access, sharing_with, visible_groups
from opentrm.cases.models import Case, CaseDocument, ConsentPurpose, ConsentRecord
from opentrm.cases.services import (
    NameData,
    assessment_record,
    case_register,
    consent_record,
    consent_withdraw,
    health_update,
    participant_add,
    person_update,
    proceeding_record,
    service_offer,
)
from opentrm.cases.sharing import prime_sharing
from opentrm.cases.tests.factories import detail_page, upload_pdf

G = FieldGroup
NAME = "Dora Fictiva"
ADDRESS = "Rruga Imagjinare 7"
ILLNESS = "Fictional asthma"
FINDINGS = "Needs a safe place to stay"
PASSPORT = "Passport scan of the person"
MEDICAL = "Medical report of the clinic"
LEGAL = "Indictment draft"


@pytest.fixture
def case(world: World, settings: Any, tmp_path: Path) -> Case:
    """Agency A's case with something in every field group, and agency C added to it."""
    settings.MEDIA_ROOT = tmp_path
    manager = world.actor(Role.CASE_MANAGER)
    case = case_register(actor=manager, names=[NameData(value=NAME)])
    person_update(
        actor=manager,
        case=case,
        expected_version=case.person.version,
        contact={"address": ADDRESS},
    )
    health_update(actor=manager, case=case, expected_version=0, changes={"medication": ILLNESS})
    assessment_record(
        actor=manager, case=case, kind="needs", assessed_on=timezone.localdate(), summary=FINDINGS
    )
    service_offer(actor=manager, case=case, service_type="shelter", offered_on=timezone.localdate())
    proceeding_record(actor=manager, case=case, country_code="AL", kind="criminal")
    for title, kind in ((PASSPORT, "identity_document"), (MEDICAL, "medical"), (LEGAL, "legal")):
        upload_pdf(manager, case, title, kind)
    participant_add(actor=manager, case=case, organisation=world.agency_c)
    return case


@pytest.fixture
def c_worker(world: World) -> Membership:
    return make_member(world.agency_c, Role.CASEWORKER, "c_caseworker")


def _timeline(client: Client, case: Case) -> str:
    response = client.get(reverse("cases:case_timeline", args=[case.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def _consent(world: World, case: Case, **overrides: Any) -> ConsentRecord:
    values: dict[str, Any] = {
        "actor": world.actor(Role.CASE_MANAGER),
        "case": case,
        "purpose": ConsentPurpose.SHARE_DATA,
        "decision": "given",
        "decided_on": timezone.localdate(),
        "explained_in": "sq",
        "information_given": "Who will see which data, why, and the risks.",
        "recipient_organisation": world.agency_c,
    }
    return consent_record(**(values | overrides))


def _agreement(world: World, **overrides: Any) -> Agreement:
    a, c = world.agency_a, world.agency_c
    values: dict[str, Any] = {
        "others": [c],
        "flows": {(a, c): [G.IDENTITY, G.ASSISTANCE]},
        "sign": True,
        "signed_on": timezone.localdate() - timedelta(days=5),
    }
    return make_agreement(world, **(values | overrides))


def _document(case: Case, title: str) -> CaseDocument:
    return CaseDocument.objects.get(case=case, title=title)


def _download(client: Client, case: Case, title: str) -> int:
    url = reverse(
        "cases:document_download", args=[case.public_id, _document(case, title).public_id]
    )
    return client.get(url).status_code


EDIT_FORMS: dict[str, Callable[[Case], str]] = {
    "person": lambda case: reverse("cases:person_edit", args=[case.public_id]),
    "health": lambda case: reverse("cases:health_edit", args=[case.public_id]),
    "assessment": lambda case: reverse("cases:assessment_create", args=[case.public_id, "needs"]),
    "service": lambda case: reverse("cases:service_create", args=[case.public_id]),
    "plan": lambda case: reverse("cases:plan_create", args=[case.public_id]),
    "document": lambda case: reverse("cases:document_create", args=[case.public_id]),
}


def _assert_nothing_shared(world: World, case: Case, c_worker: Membership) -> None:
    """The caseworker of C sees the case summary and none of the person's data."""
    client = user_browser(c_worker.user)
    page = detail_page(client, case)
    assert case.number in page
    assert case.get_identification_status_display() in page
    for secret in (NAME, ADDRESS, ILLNESS, FINDINGS, PASSPORT, MEDICAL, LEGAL):
        assert secret not in page
    for section in ("assessments", "health", "services", "plan", "proceedings"):
        assert f'id="{section}"' not in page
    assert reverse("cases:person_edit", args=[case.public_id]) not in page
    for name, url in EDIT_FORMS.items():
        assert client.get(url(case)).status_code == 403, name
        assert client.post(url(case), {}).status_code == 403, name
    for title in (PASSPORT, MEDICAL, LEGAL):
        assert _download(client, case, title) == 403
    timeline = _timeline(client, case)
    assert "Case opened" in timeline
    for entry in ("Document added", "Service offered", "needs assessment", "recorded (AL)"):
        assert entry not in timeline

    api = actor_api(member_actor(c_worker))
    body = api.get(f"/api/v1/cases/{case.public_id}").json()
    assert body["number"] == case.number
    assert (body["identity"], body["contact"], body["visible_groups"]) == (None, None, [])
    assert NAME not in api.get("/api/v1/cases/").content.decode()
    assert api.get(f"/api/v1/cases/{case.public_id}/documents").json() == []
    for part in ("health", "assessments", "services", "proceedings", "plans"):
        assert api.get(f"/api/v1/cases/{case.public_id}/{part}").status_code == 403, part
    timeline_api = api.get(f"/api/v1/cases/{case.public_id}/timeline").json()
    assert {entry["kind"] for entry in timeline_api} >= {"case.opened"}
    assert not {entry["kind"] for entry in timeline_api} & {"document.added", "service.offered"}


# --- (a) neither consent nor agreement --------------------------------------------------------


def test_without_consent_or_agreement_an_added_organisation_sees_only_the_summary(
    world: World, case: Case, c_worker: Membership
) -> None:
    _assert_nothing_shared(world, case, c_worker)
    listing = _page_of_cases(user_browser(c_worker.user))
    assert case.number in listing
    assert NAME not in listing
    actor = member_actor(c_worker)
    with pytest.raises(PermissionDenied):
        assessment_record(
            actor=actor, case=case, kind="needs", assessed_on=timezone.localdate(), summary="x"
        )
    with pytest.raises(PermissionDenied):
        person_update(
            actor=actor,
            case=case,
            expected_version=case.person.version,
            contact={"address": "Elsewhere"},
        )
    assert sharing_with(case, world.agency_c).missing  # the reasons, worded for the sender


def _page_of_cases(client: Client) -> str:
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == 200
    return response.content.decode()


# --- (b) an agreement, no consent -------------------------------------------------------------


def test_an_agreement_without_the_persons_consent_shares_nothing(
    world: World, case: Case, c_worker: Membership
) -> None:
    _agreement(world)
    _assert_nothing_shared(world, case, c_worker)


def test_a_consent_without_an_agreement_shares_nothing(
    world: World, case: Case, c_worker: Membership
) -> None:
    _consent(world, case)
    _assert_nothing_shared(world, case, c_worker)


# --- (c) both ---------------------------------------------------------------------------------


def test_with_consent_and_agreement_the_allowed_groups_and_no_others_are_shared(
    world: World, case: Case, c_worker: Membership
) -> None:
    _agreement(world)
    _consent(world, case)
    client = user_browser(c_worker.user)
    page = detail_page(client, case)
    assert NAME in page
    assert PASSPORT in page
    assert 'id="assessments"' in page
    assert 'id="services"' in page
    for secret in (ADDRESS, ILLNESS, MEDICAL, LEGAL):
        assert secret not in page
    for section in ("health", "proceedings"):
        assert f'id="{section}"' not in page
    # Within what is shared, the caseworker's role applies: it edits identity and assistance.
    assert client.get(EDIT_FORMS["person"](case)).status_code == 200
    assert client.get(EDIT_FORMS["assessment"](case)).status_code == 200
    assert client.get(EDIT_FORMS["health"](case)).status_code == 403
    assert _download(client, case, PASSPORT) == 200
    assert _download(client, case, MEDICAL) == 403
    assert _download(client, case, LEGAL) == 403
    form = client.get(EDIT_FORMS["document"](case)).context["form"]
    offered = {value for value, _label in form.fields["field_group"].choices if value}
    assert offered == {G.IDENTITY.value, G.ASSISTANCE.value}
    timeline = _timeline(client, case)
    assert "Service offered" in timeline
    assert "Intake and needs assessment" in timeline
    assert "Document added: Identity or travel document" in timeline
    assert "recorded (AL)" not in timeline

    body = actor_api(member_actor(c_worker)).get(f"/api/v1/cases/{case.public_id}").json()
    assert body["identity"]["names"][0]["value"] == NAME
    assert body["contact"] is None
    assert body["visible_groups"] == sorted([G.IDENTITY.value, G.ASSISTANCE.value])
    assert NAME in _page_of_cases(client)
    api = actor_api(member_actor(c_worker))
    assert api.get(f"/api/v1/cases/{case.public_id}/health").status_code == 403
    assert api.get(f"/api/v1/cases/{case.public_id}/assessments").status_code == 200
    titles = {d["title"] for d in api.get(f"/api/v1/cases/{case.public_id}/documents").json()}
    assert titles == {PASSPORT}


def test_a_consent_for_the_organisations_country_counts_too(
    world: World, case: Case, c_worker: Membership
) -> None:
    _agreement(world)
    _consent(world, case, recipient_organisation=None, recipient_country="AL")
    assert visible_groups(member_actor(c_worker), case) == {G.IDENTITY, G.ASSISTANCE}


def test_the_role_still_limits_what_is_shared(world: World, case: Case) -> None:
    """An interpreter of C sees identity only, even when assistance is shared too."""
    _agreement(world)
    _consent(world, case)
    interpreter = member_actor(make_member(world.agency_c, Role.INTERPRETER, "c_interpreter"))
    assert visible_groups(interpreter, case) == {G.IDENTITY}
    assert group_access(interpreter, case, G.IDENTITY) == Access.VIEW


# --- (d) consent withdrawn, (e) agreement terminated or expired --------------------------------


def test_a_withdrawn_consent_narrows_at_once(
    world: World, case: Case, c_worker: Membership
) -> None:
    _agreement(world)
    consent = _consent(world, case)
    client = user_browser(c_worker.user)
    assert NAME in detail_page(client, case)
    consent_withdraw(actor=world.actor(Role.CASE_MANAGER), consent=consent)
    _assert_nothing_shared(world, case, c_worker)


def test_a_terminated_agreement_narrows_at_once(
    world: World, case: Case, c_worker: Membership
) -> None:
    agreement = _agreement(world)
    _consent(world, case)
    assert NAME in detail_page(user_browser(c_worker.user), case)
    agreement.refresh_from_db()
    agreement_services.agreement_terminate(
        actor=editor(world),
        agreement=agreement,
        expected_version=agreement.version,
        terminated_on=timezone.localdate(),
        reason="Ended by mutual consent",
    )
    _assert_nothing_shared(world, case, c_worker)


def test_an_expired_agreement_narrows_the_next_day(
    world: World, case: Case, c_worker: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = timezone.localdate()
    _agreement(world, valid_until=today)
    _consent(world, case)
    assert NAME in detail_page(user_browser(c_worker.user), case)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + timedelta(days=1))
    _assert_nothing_shared(world, case, c_worker)


# --- (f) the owner ----------------------------------------------------------------------------


def test_the_owners_own_members_are_unaffected(world: World, case: Case) -> None:
    """No consent, no agreement: the owner's members see what their role allows."""
    manager = world.actor(Role.CASE_MANAGER)
    assert visible_groups(manager, case) == frozenset(G)
    worker = world.actor(Role.CASEWORKER)
    assert visible_groups(worker, case) == worker.visible_field_groups()
    assert can(worker, Action.ASSISTANCE_EDIT, case)
    page = detail_page(browser(world, Role.CASEWORKER), case)
    for secret in (NAME, ADDRESS, ILLNESS, FINDINGS, PASSPORT, MEDICAL, LEGAL):
        assert secret in page
    assert "recorded (AL)" in _timeline(browser(world, Role.CASEWORKER), case)
    body = actor_api(worker).get(f"/api/v1/cases/{case.public_id}").json()
    assert body["contact"]["address"] == ADDRESS


# --- Lists and query counts -------------------------------------------------------------------


def test_lists_work_out_what_is_shared_in_a_fixed_number_of_queries(
    world: World, c_worker: Membership, django_assert_max_num_queries: Any
) -> None:
    """Names of cases owned elsewhere show in C's case list only where identity is shared,
    and the list does not query per row or per owner."""
    manager = world.actor(Role.CASE_MANAGER)
    _agreement(world)
    shared: list[Case] = []
    hidden: list[Case] = []
    for index in range(3):
        for bucket, consent in ((shared, True), (hidden, False)):
            case = case_register(actor=manager, names=[NameData(value=f"Fictiva {index}{consent}")])
            participant_add(actor=manager, case=case, organisation=world.agency_c)
            if consent:
                _consent(world, case)
            bucket.append(case)
    own = case_register(actor=member_actor(c_worker), names=[NameData(value="Own Fictiva")])
    cases = list(Case.objects.filter(pk__in=[c.pk for c in [*shared, *hidden, own]]))
    actor = member_actor(c_worker)
    with django_assert_max_num_queries(10):
        prime_sharing(actor, cases)
    with django_assert_max_num_queries(0):
        groups = {case.pk: visible_groups(actor, case) for case in cases}
    for case in shared:
        assert groups[case.pk] == {G.IDENTITY, G.ASSISTANCE}
        assert groups[case.pk] == sharing_with(case, world.agency_c).groups
    for case in hidden:
        assert groups[case.pk] == frozenset()
    assert groups[own.pk] == actor.visible_field_groups()
    owned = list(Case.objects.filter(owner_organisation=world.agency_a))
    with django_assert_max_num_queries(0):  # the owner's lists pay nothing for the gate
        prime_sharing(manager, owned)

    listing = _page_of_cases(user_browser(c_worker.user))
    assert "Own Fictiva" in listing
    assert all(f"Fictiva {index}True" in listing for index in range(3))
    assert not any(f"Fictiva {index}False" in listing for index in range(3))
    names = {
        item["number"]: item["identity"]
        for item in actor_api(actor).get("/api/v1/cases/").json()["items"]
    }
    assert all(names[case.number] is not None for case in shared)
    assert all(names[case.number] is None for case in hidden)


def test_the_case_page_of_a_non_owner_pays_for_the_gate_once(
    world: World, case: Case, c_worker: Membership
) -> None:
    """The gate is worked out once per request (cached on the case), whatever the number of
    sections that ask: one query for the consent and the agreements' few; the owner's own
    members pay nothing for it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _agreement(world)
    _consent(world, case)
    url = reverse("cases:case_detail", args=[case.public_id])

    def gate_queries(client: Client) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return [
            query["sql"]
            for query in captured.captured_queries
            if '"agreements_' in query["sql"] or '"recipient_country" = ' in query["sql"]
        ]

    gate = gate_queries(user_browser(c_worker.user))
    assert 1 <= len(gate) <= 6
    assert gate_queries(browser(world, Role.CASEWORKER)) == []
