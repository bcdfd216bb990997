"""Export for a country not on OpenTRM, at its edges: who may not export, what is not exported,
the dispatch record's refusals, and a template value the receiver may not see listed as
withheld. Fictional data only."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.access import RESTRICTED
from opentrm.cases.models import Case
from opentrm.referrals.models import ExternalDispatch, Referral, ReferralStatus, TemplateInstance
from opentrm.referrals.services import export
from opentrm.referrals.tests.test_export import PASSWORD, exported_request
from opentrm.referrals.tests.test_requests import fresh, sender


def _export(actor_world: World, referral: Referral) -> export.ExportFiles:
    return export.referral_export(
        actor=sender(actor_world), referral=referral, password=PASSWORD, password_again=PASSWORD
    )


def test_only_the_sender_exports(world: World) -> None:
    referral, _case = exported_request(world)
    with pytest.raises(PermissionDenied):
        export.referral_export(
            actor=world.actor(Role.CASEWORKER, org="b"),
            referral=referral,
            password=PASSWORD,
            password_again=PASSWORD,
        )
    assert not AuditEvent.objects.filter(event_type="REFERRAL_EXPORTED").exists()


def test_a_restricted_case_is_not_exported(world: World) -> None:
    referral, case = exported_request(world)
    Case.objects.filter(pk=case.pk).update(processing_restricted=True)
    with pytest.raises(PermissionDenied) as refused:
        _export(world, fresh(referral))
    assert str(refused.value) == str(RESTRICTED)
    assert not AuditEvent.objects.filter(event_type="REFERRAL_EXPORTED").exists()


def test_a_closed_referral_is_not_exported(world: World) -> None:
    referral, _case = exported_request(world)
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.CLOSED)
    with pytest.raises(ValidationError) as refused:
        _export(world, fresh(referral))
    assert "Send the referral first" in str(refused.value)


def test_a_referral_without_a_case_exports_no_personal_data(world: World) -> None:
    referral, _case = exported_request(world)
    Referral.objects.filter(pk=referral.pk).update(case=None)
    files = _export(world, fresh(referral))
    content = json.loads(files.json)
    assert content["data"] == {}
    assert content["shared_groups"] == []


def test_the_dispatch_record_names_every_wrong_field_at_once(world: World) -> None:
    referral, _case = exported_request(world)
    _export(world, referral)
    with pytest.raises(ValidationError) as refused:
        export.dispatch_record(
            actor=sender(world),
            referral=referral,
            expected_version=referral.version,
            channel="carrier pigeon",
            sent_on=timezone.localdate() - timedelta(days=30),  # before the referral was sent
            note="x" * 301,
        )
    assert set(refused.value.message_dict) == {"channel", "sent_on", "note"}
    assert "before the referral" in refused.value.message_dict["sent_on"][0]
    assert not ExternalDispatch.objects.exists()


def test_a_second_dispatch_keeps_the_referral_as_it_is(world: World) -> None:
    referral, _case = exported_request(world)
    _export(world, referral)
    for channel in ("email", "post"):
        current = fresh(referral)
        export.dispatch_record(
            actor=sender(world),
            referral=current,
            expected_version=current.version,
            channel=channel,
            sent_on=timezone.localdate(),
        )
    after_second = fresh(referral)
    assert list(ExternalDispatch.objects.values_list("channel", flat=True).order_by("pk")) == [
        "email",
        "post",
    ]
    # the second record changed nothing on the referral: its version is the first one's
    assert after_second.version == current.version


def test_a_template_value_outside_the_shared_groups_is_listed_as_withheld(world: World) -> None:
    from opentrm.referrals.tests.test_template import create, send, setup

    s = setup(world)  # the agreement lets identity flow, never health
    referral = send(s, create(s))
    instance = TemplateInstance.objects.get(referral=referral)
    sent = instance.data["sent"]
    sent["values"]["no_such_field_in_the_template"] = "dropped"
    instance.save(update_fields=["data"])
    groups = export.export_groups(sender(world), referral)
    section = export._template_section(referral, groups)
    assert section is not None
    assert "no_such_field_in_the_template" not in section["values"]
    assert "no_such_field_in_the_template" not in section["withheld"]
    # a value of a group the receiver may not see today is left out and named as withheld
    narrowed = export._template_section(referral, frozenset())
    assert narrowed is not None
    grouped = {
        code
        for code in sent["values"]
        if code in section["values"] and code not in narrowed["values"]
    }
    assert grouped
    assert grouped <= set(narrowed["withheld"])
