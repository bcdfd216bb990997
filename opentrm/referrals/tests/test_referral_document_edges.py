"""The transnational referral's documents, template and marks at their edges: a measure accepted
without being offered prints as accepted, a blank form of an unknown kind is refused, two
types of exploitation that map to the same Annex I code are listed once, no template view
without a case here, the confidential mark on an ended referral is refused and setting it
twice writes one audit event, and a referral a participant sent about the owner's case shares
nothing. Fictional data only."""

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import Exploitation, case_data_update
from opentrm.cases.tests.factories import new_case
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import documents
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.services.confidentiality import referral_mark_confidential
from opentrm.referrals.services.requests import effective_groups
from opentrm.referrals.services.transnational.prefill import prefill
from opentrm.referrals.tests import test_template as tt
from opentrm.referrals.tests.test_document_values import _rows
from opentrm.referrals.tests.test_requests import adult_case, focal_point, fresh, sent_request


def test_a_measure_accepted_without_being_offered_prints_as_accepted(world: World) -> None:
    s = tt.setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.ASSISTANCE))
    referral = tt.send(s, tt.create(s))
    tt.step(world, referral, "accept")
    referral.refresh_from_db()
    tn.template_update(
        actor=tt.receiver(world),
        referral=referral,
        expected_version=tt.instance(referral).version,
        values={"s6_2.education": {"accepted": True}},
    )
    value = _rows(documents.referral_print(actor=tt.sender(world), referral=referral))[
        "s6_2.education"
    ].value
    assert value is not None
    assert value.a == "accepted by trafficked person"


def test_a_blank_form_of_an_unknown_kind_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        documents.blank_request_print(
            actor=world.actor(Role.CASEWORKER), kind="no_such_kind", asked=[], pair="en-ro"
        )
    assert refused.value.message_dict == {"kind": ["Pick a kind of request from the list."]}


def test_two_types_of_labour_are_one_annex_code(world: World) -> None:
    case = new_case(world)
    case_data_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=case.version,
        exploitation=Exploitation(types=["ForcedLabour", "ChildLabour"]),
    )
    case = Case.objects.get(pk=case.pk)
    values = prefill(case=case, sender=world.agency_a, receiver=world.agency_b, lang="en")
    assert values["s1_2.exploitation_type"]["codes"] == ["labour"]


def test_no_template_view_without_a_case_here(world: World) -> None:
    s = tt.setup(world)
    referral = tt.send(s, tt.create(s))
    assert tn.template_view(tt.sender(world), referral) is not None
    Referral.objects.filter(pk=referral.pk).update(case=None)
    referral.refresh_from_db()
    assert tn.template_view(tt.sender(world), referral) is None


def test_an_ended_referral_keeps_its_confidentiality(world: World) -> None:
    focal_point(world)
    request = sent_request(world, adult_case(world))
    Referral.objects.filter(pk=request.pk).update(status=ReferralStatus.CLOSED)
    with pytest.raises(ValidationError) as refused:
        referral_mark_confidential(
            actor=tt.sender(world),
            referral=fresh(request),
            expected_version=request.version,
            confidential=True,
        )
    assert "no longer changes" in str(refused.value)
    assert fresh(request).confidential is False


def test_marking_twice_writes_one_audit_event(world: World) -> None:
    focal_point(world)
    request = sent_request(world, adult_case(world))
    for _twice in range(2):
        current = fresh(request)
        referral_mark_confidential(
            actor=tt.sender(world),
            referral=current,
            expected_version=current.version,
            confidential=True,
        )
    assert fresh(request).confidential is True
    assert AuditEvent.objects.filter(event_type="REFERRAL_CONFIDENTIALITY_CHANGED").count() == 1


def test_a_referral_a_participant_sent_about_the_owners_case_shares_nothing(
    world: World,
) -> None:
    s = tt.setup(world)
    onward = Referral.objects.create(
        reference="REF-RO-2026-000777",
        kind="family_check",
        sender_organisation=world.agency_b,  # not the case's owner (agency A)
        receiver_country="AL",
        receiver_organisation=world.agency_c,
        case=s.case,
        status=ReferralStatus.SENT,
        shared_groups=["identity"],
    )
    assert effective_groups(onward) == frozenset()
