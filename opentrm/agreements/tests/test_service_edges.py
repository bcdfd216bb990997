"""The agreements services called directly: refusals, no-ops and changes the pages rarely reach."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import World
from opentrm.agreements import services
from opentrm.agreements.models import Agreement, AgreementParty
from opentrm.agreements.tests.factories import draft_of, editor, make_agreement, update_draft
from opentrm.agreements.tests.test_bad_input import refused
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import ContactPoint, Organisation


def test_it_refuses_an_editor_whose_organisation_is_not_a_party(world: World) -> None:
    agreement = make_agreement(world, others=[world.agency_c])

    with pytest.raises(PermissionDenied):
        services.agreement_update(
            actor=editor(world, org="b"),
            agreement=agreement,
            expected_version=draft_of(agreement).version,
            changes={"purpose": "Not mine to change"},
        )


def test_it_refuses_a_scope_that_is_not_on_the_list(world: World) -> None:
    with refused("scope", "Pick a scope"):
        services.agreement_create(actor=editor(world), title="MoU", type="mou", scope="global")


def test_it_refuses_designated_officers_before_there_are_parties(world: World) -> None:
    officer = ContactPoint.objects.create(organisation=world.agency_a, position="Officer")

    with refused("designated_officers", "Add the parties first"):
        services.agreement_create(
            actor=editor(world),
            title="MoU",
            type="mou",
            scope="bilateral",
            content={"designated_officers": [officer]},
        )


def test_it_refuses_a_field_an_agreement_does_not_have(world: World) -> None:
    with pytest.raises(ValueError, match="not an agreement field"):
        services.agreement_create(
            actor=editor(world), title="MoU", type="mou", scope="bilateral", content={"x": 1}
        )


def test_it_refuses_changing_a_terminated_agreement(world: World) -> None:
    agreement = make_agreement(world)
    services.agreement_terminate(
        actor=editor(world),
        agreement=agreement,
        expected_version=agreement.version,
        terminated_on=timezone.localdate(),
        reason="Abandoned draft",
    )

    with refused("__all__", "terminated"):
        update_draft(world, agreement, purpose="Too late")


def test_it_changes_nothing_and_audits_nothing_when_the_text_is_the_same(world: World) -> None:
    agreement = make_agreement(world)
    draft = draft_of(agreement)
    before = AuditEvent.objects.count()

    same = update_draft(world, agreement, purpose=draft.purpose, title=agreement.title)

    assert same.version == draft.version
    assert AuditEvent.objects.count() == before


def test_it_renames_the_first_draft_and_audits_the_title(world: World) -> None:
    agreement = make_agreement(world)

    update_draft(world, agreement, title="  A better title  ")

    agreement.refresh_from_db()
    assert agreement.title == "A better title"
    changed = AuditEvent.objects.filter(event_type=EventType.AGREEMENT_CHANGED).latest("sequence")
    assert "title" in changed.changed_fields


def test_it_fixes_the_title_once_the_agreement_has_been_signed(world: World) -> None:
    agreement = make_agreement(world, sign=True)
    services.agreement_amend(actor=editor(world), agreement=agreement)

    with refused("title", "fixed once the agreement is signed"):
        update_draft(world, agreement, title="A new name for an amendment")


def test_it_names_designated_officers_of_the_parties_and_audits_it(world: World) -> None:
    agreement = make_agreement(world)
    officer = ContactPoint.objects.create(organisation=world.agency_b, position="Officer")

    update_draft(world, agreement, designated_officers=[officer])

    assert list(draft_of(agreement).designated_officers.all()) == [officer]
    changed = AuditEvent.objects.filter(event_type=EventType.AGREEMENT_CHANGED).latest("sequence")
    assert "designated_officers" in changed.changed_fields


def test_it_refuses_an_inactive_contact_point_as_designated_officer(world: World) -> None:
    agreement = make_agreement(world)
    officer = ContactPoint.objects.create(
        organisation=world.agency_a, position="Retired", is_active=False
    )

    with refused("designated_officers", "active contact points"):
        update_draft(world, agreement, designated_officers=[officer])


def test_it_refuses_an_inactive_organisation_as_party(world: World) -> None:
    agreement = make_agreement(world)
    closed = Organisation.objects.create(
        country=world.country_a, name="Closed NGO", is_active=False
    )

    with refused("organisation", "active organisation"):
        services.party_add(actor=editor(world), agreement=agreement, organisation=closed)


def _party(world: World, agreement: Agreement, organisation: Organisation) -> AgreementParty:
    return AgreementParty.objects.get(version=draft_of(agreement), organisation=organisation)


def test_it_changes_a_partys_responsibilities_and_audits_what_changed(world: World) -> None:
    agreement = make_agreement(world)
    party = _party(world, agreement, world.agency_b)
    measure = services.measure_codes()[0]

    changed = services.party_update(
        actor=editor(world),
        agreement=agreement,
        party_id=party.pk,
        procedures=[],
        measures=[measure, measure],
        responsibilities="  Shelter on arrival  ",
    )

    assert (changed.measures, changed.responsibilities) == ([measure], "Shelter on arrival")
    event = AuditEvent.objects.get(event_type=EventType.AGREEMENT_PARTY_CHANGED)
    assert sorted(event.changed_fields) == ["measures", "responsibilities"]


def test_it_audits_nothing_when_a_partys_responsibilities_stay_the_same(world: World) -> None:
    agreement = make_agreement(world)
    party = _party(world, agreement, world.agency_b)

    services.party_update(
        actor=editor(world),
        agreement=agreement,
        party_id=party.pk,
        procedures=party.procedures,
        measures=party.measures,
        responsibilities=party.responsibilities,
    )

    assert not AuditEvent.objects.filter(event_type=EventType.AGREEMENT_PARTY_CHANGED).exists()


def test_it_refuses_changing_an_organisation_that_is_not_a_party(world: World) -> None:
    agreement = make_agreement(world)
    elsewhere = make_agreement(world, others=[world.agency_c], title="Another MoU")

    with refused("__all__", "not a party"):
        services.party_update(
            actor=editor(world),
            agreement=agreement,
            party_id=_party(world, elsewhere, world.agency_c).pk,
            procedures=[],
            measures=[],
            responsibilities="",
        )


@pytest.mark.parametrize(
    ("sender", "receiver", "field", "message"),
    [
        pytest.param("c", "b", "sender", "must be a party", id="sender not a party"),
        pytest.param("a", "a", "receiver", "other than the sender", id="to itself"),
    ],
)
def test_it_refuses_a_flow_from_a_non_party_or_to_the_sender_itself(
    world: World, sender: str, receiver: str, field: str, message: str
) -> None:
    agency = {"a": world.agency_a, "b": world.agency_b, "c": world.agency_c}
    agreement = make_agreement(world)

    with refused(field, message):
        services.flow_set(
            actor=editor(world),
            agreement=agreement,
            sender_id=agency[sender].pk,
            receiver_id=agency[receiver].pk,
            categories=["identity"],
        )
