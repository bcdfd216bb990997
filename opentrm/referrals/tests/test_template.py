"""The transnational referral with the Annex I template: the definition, pre-filling, the gate
on fields, the asylum and return-consent guards, owner-side editing and the status flow."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, ChildSafeguards, ConsentRecord, HealthRecord
from opentrm.cases.services import NameData, case_register, consent_withdraw
from opentrm.cases.tests.factories import record_consent
from opentrm.directory.models import Function, Responsibility
from opentrm.referrals.models import Referral, ReferralStatus, TemplateInstance
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.template import loader

NAME = "Fictiva Testperson"
HEALTH = "Fictional asthma since childhood"
BIRTH = date(1995, 3, 14)


@dataclass
class Setup:
    world: World
    case: Case
    consent: ConsentRecord | None


def make_case(world: World, *, birth: date = BIRTH, citizenship: str = "RO") -> Case:
    actor = world.actor(Role.CASE_MANAGER)
    case = case_register(
        actor=actor,
        names=[NameData(NAME)],
        sex="female",
        date_of_birth=birth,
        citizenships=[citizenship],
        languages=["ro"],
    )
    HealthRecord.objects.create(case=case, medical_history=HEALTH)
    return case


def focal_point(world: World) -> None:
    Responsibility.objects.create(
        country=world.country_b,
        function=Function.NATIONAL_FOCAL_POINT,
        organisation=world.agency_b,
    )


def share_consent(world: World, case: Case) -> ConsentRecord:
    return record_consent(
        world.actor(Role.CASE_MANAGER),
        case,
        "share_data",
        "Explained with a fictional interpreter.",
        to=world.agency_b,
        on=timezone.localdate() - timedelta(days=1),
        explained_in="ro",
    )


def return_consent(world: World, case: Case, decision: str = "given") -> ConsentRecord:
    return record_consent(
        world.actor(Role.CASE_MANAGER),
        case,
        "return",
        "Explained.",
        decision=decision,
        on=timezone.localdate() - timedelta(days=1),
        explained_in="ro",
    )


def setup(world: World, *, groups: tuple[FieldGroup, ...] = (FieldGroup.IDENTITY,)) -> Setup:
    """Case of agency A (AL) for a person of RO; B is RO's focal point; consent to share with
    B; an agreement in force lets ``groups`` flow from A to B (never health)."""
    focal_point(world)
    case = make_case(world)
    consent = share_consent(world, case)
    make_agreement(world, flows={(world.agency_a, world.agency_b): groups}, sign=True)
    return Setup(world, case, consent)


def sender(world: World) -> Any:
    return world.actor(Role.CASEWORKER)


def receiver(world: World) -> Any:
    return world.actor(Role.CASE_MANAGER, org="b")


def create(s: Setup) -> Referral:
    return tn.transnational_create(actor=sender(s.world), case=s.case, country_code="RO")


def send(s: Setup, referral: Referral) -> Referral:
    referral.refresh_from_db()
    return tn.transnational_send(
        actor=sender(s.world), referral=referral, expected_version=referral.version
    )


def step(world: World, referral: Referral, name: str, actor: Any = None, reason: str = "") -> None:
    referral.refresh_from_db()
    tn.transnational_step(
        actor=actor or receiver(world),
        referral=referral,
        step=name,
        expected_version=referral.version,
        reason=reason,
    )


def instance(referral: Referral) -> TemplateInstance:
    return TemplateInstance.objects.get(referral=referral)


# --- the definition ------------------------------------------------------------------------------


def test_the_definition_has_every_section_and_enumeration_of_annex_i() -> None:
    template = loader.load_template()
    sections = {s.code for s in template.sections}
    assert sections >= {
        "header", "consent", "s1_1", "s1_2", "s2_1", "s2_2", "s2_3", "s3_1", "s3_2", "s3_3",
        "s3_4", "s4", "s5", "s6_1", "s6_2", "s6_3", "s6_4", "s7_1", "s7_2", "s8", "child",
    }  # fmt: skip
    header = template.field("header.institution_origin")
    assert header is not None
    assert header.owner == "origin"
    assert header.group is None
    assert {s.code for s in header.subfields} == {
        "institution", "contact_person", "address", "telephone", "fax", "mobile", "email", "skype"
    }  # fmt: skip
    risk = template.field("s3_4.risk_level")
    assert risk is not None
    assert [o.label_en for o in risk.options] == ["Very high", "High", "Medium", "Low"]
    pairs = [f for f in template.section("s6_2").fields if f.type == "offered_accepted"]  # type: ignore[union-attr]
    assert len(pairs) == 10
    # the contacts matrix: every procedure row plus interpretation, for both countries
    matrix = {f.code for f in template.section("s8").fields}  # type: ignore[union-attr]
    for row in ("identification", "first_assistance", "long_term", "return", "proceedings"):
        assert {f"s8.{row}.exploitation", f"s8.{row}.origin"} <= matrix
    assert {"s8.interpretation.exploitation", "s8.interpretation.origin"} <= matrix
    # owners: §1-§5 exploitation, §6-§7 origin
    for item in template.fields:
        if item.section.startswith(("s6", "s7")):
            assert item.owner == "origin", item.code
        if item.section[:2] in ("s1", "s2", "s3", "s4", "s5"):
            assert item.owner == "exploitation", item.code
    child = template.section("child")
    assert child is not None
    assert all(f.group == "child_protection" for f in child.fields)
    assert all(f.group == "health" for f in template.section("s3_2").fields)  # type: ignore[union-attr]


def test_the_strings_module_is_up_to_date() -> None:
    from pathlib import Path

    generated = Path(loader.__file__).with_name("strings.py").read_text(encoding="utf-8")
    assert generated == loader.render_strings_module(), "run: python -m opentrm.referrals.template"


def test_a_malformed_definition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        loader.parse_template(
            {
                "version": 1,
                "title": "T",
                "chapters": [{"code": "c", "number": "", "title": "C"}],
                "sections": [
                    {
                        "code": "s",
                        "number": "",
                        "title": "S",
                        "chapter": "c",
                        "owner": "origin",
                        "fields": [
                            {"code": "s.a", "label": "A", "type": "blob", "owner": "origin"}
                        ],
                    }
                ],
            },
            version=1,
        )


# --- creating and pre-filling --------------------------------------------------------------------


def test_creating_routes_to_the_focal_point_and_prefills_from_the_case(world: World) -> None:
    s = setup(world)
    referral = create(s)
    assert referral.receiver_organisation == world.agency_b
    assert referral.routing == "focal_point"
    assert referral.status == ReferralStatus.DRAFT
    data = instance(referral).data
    values = data["values"]
    assert values["s1_1.name"] == {"text": NAME, "lang": "en"}
    assert values["s1_1.date_of_birth"] == BIRTH.isoformat()
    assert values["s1_1.citizenship"] == ["RO"]
    assert values["s3_2.medical_history"]["text"] == HEALTH
    assert values["consent.data_sharing"] is True
    assert values["header.institution_exploitation"]["institution"] == world.agency_a.name
    assert values["header.institution_origin"]["institution"] == world.agency_b.name
    assert instance(referral).profile_country == "AL"
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_CREATED)
    assert NAME not in str(event.detail)
    assert HEALTH not in str(event.detail)


def test_section_8_comes_from_the_directory_of_both_countries(world: World) -> None:
    s = setup(world)
    Responsibility.objects.create(
        country=world.country_a, function=Function.IDENTIFICATION, organisation=world.agency_c
    )
    Responsibility.objects.create(
        country=world.country_b, function=Function.RETURN, organisation=world.agency_b
    )
    values = instance(create(s)).data["values"]
    assert values["s8.identification.exploitation"]["responsible_body"] == world.agency_c.name
    assert values["s8.return.origin"]["responsible_body"] == world.agency_b.name


def test_a_role_prefills_only_the_groups_it_may_see(world: World) -> None:
    s = setup(world)
    referral = tn.transnational_create(
        actor=world.actor(Role.POLICE_INVESTIGATOR), case=s.case, country_code="RO"
    )
    values = instance(referral).data["values"]
    assert "s3_2.medical_history" not in values  # police: no health
    assert "s1_1.name" in values


def test_only_the_owner_organisation_creates_and_own_country_is_refused(world: World) -> None:
    s = setup(world)
    with pytest.raises(ValidationError) as error:
        tn.transnational_create(actor=sender(world), case=s.case, country_code="AL")
    assert "receiver_country" in error.value.message_dict
    with pytest.raises(ValidationError):
        tn.transnational_create(actor=sender(world), case=s.case, country_code="QQ")
    with pytest.raises(PermissionDenied):
        tn.transnational_create(actor=receiver(world), case=s.case, country_code="AL")
    assert not Referral.objects.exists()


# --- the gate on fields ----------------------------------------------------------------------


def test_withheld_groups_never_go_into_the_sent_snapshot(world: World) -> None:
    s = setup(world, groups=(FieldGroup.IDENTITY,))
    referral = send(s, create(s))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert referral.shared_groups == ["identity"]
    assert referral.consent == s.consent
    assert referral.agreement is not None
    sent = instance(referral).data["sent"]
    assert "s3_2.medical_history" in sent["withheld"]
    assert "s3_2.medical_history" not in sent["values"]
    assert HEALTH not in str(sent)
    assert sent["values"]["s1_1.name"]["text"] == NAME
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_SENT)
    assert NAME not in str(event.detail)
    assert HEALTH not in str(event.detail)


def test_without_consent_only_organisation_data_is_sent(world: World) -> None:
    focal_point(world)
    case = make_case(world)
    make_agreement(world, flows={(world.agency_a, world.agency_b): list(FieldGroup)}, sign=True)
    s = Setup(world, case, None)
    referral = send(s, create(s))
    sent = instance(referral).data["sent"]
    assert sent["groups"] == []
    assert NAME not in str(sent)
    assert BIRTH.isoformat() not in str(sent)
    assert "header.institution_exploitation" in sent["values"]


def test_the_receiver_sees_nothing_personal_before_accepting(world: World) -> None:
    s = setup(world)
    referral = send(s, create(s))
    view = tn.template_view(receiver(world), referral)
    assert view is not None
    assert NAME not in str(view.visible_values())
    assert "s1_1.name" in view.withheld_codes()
    step(world, referral, "accept")
    view = tn.template_view(receiver(world), Referral.objects.get(pk=referral.pk))
    assert view is not None
    assert view.visible_values()["s1_1.name"]["text"] == NAME
    assert HEALTH not in str(view.visible_values())
    section = next(sv for sv in view.sections if sv.section.code == "s3_2")
    assert section.withheld


def test_withdrawing_consent_narrows_what_the_receiver_sees_from_then(world: World) -> None:
    s = setup(world)
    referral = send(s, create(s))
    step(world, referral, "accept")
    assert s.consent is not None
    consent_withdraw(actor=world.actor(Role.CASE_MANAGER), consent=s.consent)
    view = tn.template_view(receiver(world), Referral.objects.get(pk=referral.pk))
    assert view is not None
    assert NAME not in str(view.visible_values())


def test_the_api_never_returns_withheld_values(world: World, client: Client) -> None:
    s = setup(world)
    referral = send(s, create(s))
    step(world, referral, "accept")
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    response = client.get(f"/api/v1/referrals/{referral.public_id}/template")
    assert response.status_code == 200
    body = response.json()
    assert body["values"]["s1_1.name"]["text"] == NAME
    assert HEALTH not in response.content.decode()
    assert "s3_2.medical_history" in body["withheld"]
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_VIEWED).exists()


def test_the_html_document_never_shows_withheld_values(world: World, client: Client) -> None:
    s = setup(world)
    referral = send(s, create(s))
    step(world, referral, "accept")
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    response = client.get(reverse("referrals:template_document", args=[referral.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert NAME in html
    assert HEALTH not in html
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_PRINTED).exists()


# --- the guards --------------------------------------------------------------------------------


def test_a_childs_asylum_blocks_the_referral_to_the_country_of_origin(world: World) -> None:
    focal_point(world)
    case = make_case(world, birth=timezone.localdate() - timedelta(days=365 * 15))
    ChildSafeguards.objects.create(case=case, asylum_indicated_on=timezone.localdate())
    with pytest.raises(ValidationError) as error:
        tn.transnational_create(actor=sender(world), case=case, country_code="RO")
    assert "asylum" in str(error.value.message_dict["receiver_country"])
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(event_type=EventType.ORIGIN_CONTACT_BLOCKED).exists()


def test_asylum_indicated_after_drafting_blocks_the_send(world: World) -> None:
    focal_point(world)
    case = make_case(world, birth=timezone.localdate() - timedelta(days=365 * 15))
    s = Setup(world, case, share_consent(world, case))
    referral = create(s)
    ChildSafeguards.objects.create(case=case, asylum_indicated_on=timezone.localdate())
    with pytest.raises(ValidationError):
        send(s, referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT


def _fill_return(world: World, referral: Referral) -> None:
    data = instance(referral)
    tn.template_update(
        actor=sender(world),
        referral=referral,
        expected_version=data.version,
        values={"s5.arrival": "2030-01-02T10:30", "s5.security_measures": "Escorted"},
    )


@pytest.mark.parametrize("decision", [None, "refused"])
def test_return_data_is_not_sent_without_consent_to_return(
    world: World, decision: str | None
) -> None:
    s = setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.TRAVEL))
    if decision:
        return_consent(world, s.case, decision)
    referral = create(s)
    _fill_return(world, referral)
    with pytest.raises(ValidationError) as error:
        send(s, referral)
    assert "s5" in error.value.message_dict
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT
    assert instance(referral).data.get("sent") is None


def test_return_data_is_sent_with_consent_to_return(world: World) -> None:
    s = setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.TRAVEL))
    return_consent(world, s.case)
    referral = create(s)
    _fill_return(world, referral)
    send(s, referral)
    assert instance(referral).data["sent"]["values"]["s5.arrival"] == "2030-01-02T10:30"


# --- owner sides -----------------------------------------------------------------------------


def test_each_side_edits_only_its_own_fields(world: World) -> None:
    s = setup(world)
    referral = create(s)
    row = instance(referral)
    with pytest.raises(ValidationError) as error:
        tn.template_update(
            actor=sender(world),
            referral=referral,
            expected_version=row.version,
            values={"s6_2.education": {"offered": True}},
        )
    assert "s6_2.education" in error.value.message_dict
    tn.template_update(
        actor=sender(world),
        referral=referral,
        expected_version=row.version,
        values={"s1_1.place_of_birth": {"text": "Fictograd", "lang": "ro"}},
    )
    assert instance(referral).data["values"]["s1_1.place_of_birth"] == {
        "text": "Fictograd",
        "lang": "ro",
    }
    referral = send(s, referral)
    with pytest.raises(ValidationError):  # sent: the sender's part is closed
        tn.template_update(
            actor=sender(world),
            referral=referral,
            expected_version=instance(referral).version,
            values={"s1_1.place_of_birth": "Elsewhere"},
        )
    with pytest.raises(ValidationError):  # not accepted yet
        tn.template_update(
            actor=receiver(world),
            referral=referral,
            expected_version=instance(referral).version,
            values={"s6_2.education": {"offered": True}},
        )
    step(world, referral, "accept")
    referral.refresh_from_db()
    with pytest.raises(ValidationError):
        tn.template_update(
            actor=receiver(world),
            referral=referral,
            expected_version=instance(referral).version,
            values={"s1_1.place_of_birth": "Elsewhere"},
        )
    tn.template_update(
        actor=receiver(world),
        referral=referral,
        expected_version=instance(referral).version,
        values={"s6_2.education": {"offered": True, "accepted": True}},
    )
    assert instance(referral).data["origin"]["s6_2.education"] == {
        "offered": True,
        "accepted": True,
    }
    # the sender sees what the receiving side reported
    view = tn.template_view(sender(world), Referral.objects.get(pk=referral.pk))
    assert view is not None
    assert "s6_2.education" in view.visible_values()


def test_bad_values_are_refused_and_nothing_is_written(world: World) -> None:
    s = setup(world)
    referral = create(s)
    row = instance(referral)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    with pytest.raises(ValidationError) as error:
        tn.template_update(
            actor=sender(world),
            referral=referral,
            expected_version=row.version,
            values={
                "s1_1.date_of_birth": future,
                "s1_1.sex": "unknown-code",
                "s1_2.countries_transit": ["XX"],
                "s1_1.place_of_birth": "Fine",
            },
        )
    assert set(error.value.message_dict) == {
        "s1_1.date_of_birth",
        "s1_1.sex",
        "s1_2.countries_transit",
    }
    assert "s1_1.place_of_birth" not in instance(referral).data["values"]


def test_a_stale_version_is_refused(world: World) -> None:
    from opentrm.core.errors import ConflictError

    s = setup(world)
    referral = create(s)
    row = instance(referral)
    tn.template_update(
        actor=sender(world), referral=referral, expected_version=row.version, values={}
    )
    with pytest.raises(ConflictError):
        tn.template_update(
            actor=sender(world),
            referral=referral,
            expected_version=row.version,
            values={"s1_1.place_of_birth": "X"},
        )


# --- the status flow ---------------------------------------------------------------------------


def test_the_whole_flow_to_follow_up_and_close(world: World) -> None:
    s = setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.ASSISTANCE))
    return_consent(world, s.case)
    referral = send(s, create(s))
    step(world, referral, "acknowledge")
    step(world, referral, "accept")
    step(world, referral, "return_arranged", actor=sender(world))
    step(world, referral, "arrival_confirmed")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ARRIVAL_CONFIRMED
    report = tn.follow_up_add(
        actor=receiver(world),
        referral=referral,
        reported_on=timezone.localdate(),
        values={"s6_2.job_placement": {"offered": True}, "s7_2.case_initiated": "yes"},
        summary="Settled with family support.",
        lang="ro",
    )
    assert report.data["values"]["s7_2.case_initiated"] is True
    assert instance(referral).data["origin"]["s6_2.job_placement"]["offered"] is True
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_FOLLOW_UP)
    assert "Settled" not in str(event.detail)
    step(world, referral, "close", actor=sender(world))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED


def test_the_wrong_side_cannot_take_a_step(world: World) -> None:
    s = setup(world)
    referral = send(s, create(s))
    with pytest.raises(PermissionDenied):
        step(world, referral, "accept", actor=sender(world))
    with pytest.raises(ValidationError):  # the machine refuses arrival before acceptance
        step(world, referral, "arrival_confirmed")


def test_return_cannot_be_arranged_without_consent_to_return(world: World) -> None:
    s = setup(world)
    referral = send(s, create(s))
    step(world, referral, "accept")
    with pytest.raises(ValidationError):
        step(world, referral, "return_arranged", actor=sender(world))


def test_declining_ends_what_the_receiver_sees(world: World) -> None:
    s = setup(world)
    referral = send(s, create(s))
    step(world, referral, "decline", reason="No capacity.")
    view = tn.template_view(receiver(world), Referral.objects.get(pk=referral.pk))
    assert view is not None
    assert NAME not in str(view.visible_values())


# --- pages -------------------------------------------------------------------------------------


def test_the_create_page_and_editor(world: World, client: Client) -> None:
    s = setup(world)
    client.force_login(world.user(Role.CASEWORKER))
    url = reverse("referrals:transnational_create", args=[s.case.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"country": "RO", "urgency": "routine", "reason": ""})
    assert response.status_code == 302
    referral = Referral.objects.get()
    editor = client.get(reverse("referrals:template_editor", args=[referral.public_id]))
    assert editor.status_code == 200
    assert b"1.1" in editor.content
    section_url = reverse("referrals:template_section_edit", args=[referral.public_id, "s1_1"])
    assert client.get(section_url).status_code == 200
    page = client.post(
        section_url,
        {"version": instance(referral).version, "lang": "sq", "s1_1.place_of_birth": "Fictivë"},
    )
    assert page.status_code == 302
    assert instance(referral).data["values"]["s1_1.place_of_birth"] == {
        "text": "Fictivë",
        "lang": "sq",
    }
    send_url = reverse("referrals:template_send", args=[referral.public_id])
    assert client.post(send_url, {"version": referral.version}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_other_organisations_get_404_and_the_interpreter_403(world: World, client: Client) -> None:
    s = setup(world)
    referral = create(s)
    client.force_login(world.user(Role.CASEWORKER, org="b"))  # a draft: not the receiver's yet
    assert (
        client.get(reverse("referrals:template_editor", args=[referral.public_id])).status_code
        == 404
    )
    client.force_login(world.user(Role.INTERPRETER))
    section_url = reverse("referrals:template_section_edit", args=[referral.public_id, "s1_1"])
    assert client.get(section_url).status_code == 403


def test_the_referral_page_shows_the_template_section(world: World, client: Client) -> None:
    s = setup(world)
    referral = send(s, create(s))
    client.force_login(world.user(Role.CASE_MANAGER, org="b"))
    response = client.get(reverse("referrals:referral_detail", args=[referral.public_id]))
    assert response.status_code == 200
    assert 'id="template"' in response.content.decode()
    assert NAME not in response.content.decode()


def test_the_editor_offers_countries_and_languages_by_name(world: World, client: Client) -> None:
    s = setup(world)
    referral = create(s)
    client.force_login(world.user(Role.CASEWORKER))
    section_url = reverse("referrals:template_section_edit", args=[referral.public_id, "s1_1"])
    page = client.get(section_url).content.decode()
    # The citizenship pre-filled from the case is ticked, by its name.
    assert re.search(r'value="RO"[^>]*checked[^>]*>\s*Romania</label>', page)
    response = client.post(
        section_url,
        {
            "version": instance(referral).version,
            "lang": "en",
            "s1_1.citizenship": ["RO", "MD"],
            "s1_1.languages": ["ro"],
        },
    )
    assert response.status_code == 302
    values = instance(referral).data["values"]
    assert values["s1_1.citizenship"] == ["MD", "RO"]
    assert values["s1_1.languages"] == ["ro"]
