"""The minimal offer of a referral received from another node (or a file) before it is
accepted: no case exists here yet, so the person's age band, sex and languages are the ones the
package's offer named (``TemplateInstance.data["imported"]["person"]["offer"]``); the needs and
the reason are the referral's own."""

from collections.abc import Iterable

from opentrm.cases.models import AgeBand
from opentrm.referrals.models import Referral, TemplateInstance
from opentrm.referrals.services.importing import imported_of
from opentrm.referrals.services.national import MinimalOffer


def prime_received_offers(referrals: Iterable[Referral]) -> None:
    """The received offers of a page of referrals in one query (the lists' query budget)."""
    pending = {r.pk: r for r in referrals if r.case_id is None and r.origin_reference}
    if not pending:
        return
    rows = TemplateInstance.objects.filter(referral_id__in=list(pending)).values_list(
        "referral_id", "data__imported__person__offer"
    )
    found = dict(rows)
    for pk, referral in pending.items():
        offer = found.get(pk)
        referral._received_person = offer if isinstance(offer, dict) else {}  # type: ignore[attr-defined]


def received_offer(referral: Referral) -> MinimalOffer:
    person = getattr(referral, "_received_person", None)
    if person is None:
        person = ((imported_of(referral) or {}).get("person") or {}).get("offer") or {}
    return MinimalOffer(
        reference=referral.reference,
        kind=referral.kind,
        age_band=str(person.get("age_band") or AgeBand.UNKNOWN),
        sex=str(person.get("sex") or "unknown"),
        needs=list(referral.needs or []),
        languages=[str(code) for code in person.get("languages") or []],
        urgency=referral.urgency,
        measure=referral.measure_code,
        service=referral.service_type,
        reason=referral.reason,
    )
