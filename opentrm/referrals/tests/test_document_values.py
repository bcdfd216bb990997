"""How the printed referral shows a multiple choice and an offered/accepted measure, and that a
print of a referral without its template is refused without an audit event."""

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.referrals.models import Referral, TemplateInstance
from opentrm.referrals.services import documents
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.tests import test_template as tt


def _rows(document: documents.Document) -> dict[str, documents.DocRow]:
    return {r.code: r for c in document.chapters for s in c.sections for r in s.rows}


def test_choices_and_measures_print_as_their_labels(world: World) -> None:
    s = tt.setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.ASSISTANCE))
    referral = tt.create(s)
    tn.template_update(
        actor=tt.sender(world),
        referral=referral,
        expected_version=tt.instance(referral).version,
        values={
            "s1_1.identity_confirmed_by": {
                "codes": ["police"],
                "other": {"text": "Fictional notary", "lang": "ro"},
            }
        },
        lang="ro",
    )
    referral = tt.send(s, referral)
    tt.step(world, referral, "accept")
    referral.refresh_from_db()
    tn.template_update(
        actor=tt.receiver(world),
        referral=referral,
        expected_version=tt.instance(referral).version,
        values={
            "s6_2.education": {"offered": True, "accepted": True},
            "s6_2.long_term_medical": {"offered": True},
        },
    )
    document = documents.referral_print(actor=tt.sender(world), referral=referral)
    rows = _rows(document)
    confirmed = rows["s1_1.identity_confirmed_by"].value
    assert confirmed is not None
    assert confirmed.a == "Police; Other: Fictional notary [ro]"
    education = rows["s6_2.education"].value
    assert education is not None
    assert education.a == "offered to trafficked person; accepted by trafficked person"
    medical = rows["s6_2.long_term_medical"].value
    assert medical is not None
    assert medical.a == "offered to trafficked person"
    headings = document.headings()
    assert headings[0] == document.title
    assert all(chapter.heading in headings for chapter in document.chapters)
    assert AuditEvent.objects.filter(
        event_type=EventType.REFERRAL_PRINTED, target_id=str(referral.pk)
    ).exists()


def test_a_referral_without_its_template_cannot_be_printed(world: World) -> None:
    s = tt.setup(world)
    referral = tt.create(s)
    TemplateInstance.objects.filter(referral=referral).delete()
    referral = Referral.objects.get(pk=referral.pk)
    before = AuditEvent.objects.count()
    for make in (documents.referral_print, documents.referral_pdf):
        with pytest.raises(ValidationError) as error:
            make(actor=tt.sender(world), referral=referral)
        assert error.value.messages == ["This referral has no template."]
    assert AuditEvent.objects.count() == before
