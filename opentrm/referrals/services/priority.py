"""The priority marker of a child's referral in the inboxes (issue 14: SOP-T4, REC-102).

Decision: a receiver that has not accepted sees only the minimal offer, and there a person's
age band is identity data it may not see. SOP-T4 and REC-102 still ask every receiver to deal
with a child's referral first. So every inbox marks a child's referral with "priority" only:
never the word child, never the age band or the age. The outbox, whose sender owns the case,
keeps "child · priority". The marker is derived on the sending side (``child_case_ids``: the
age, an age assessment, a disputed age); a package to another node carries it as
``opentrm_priority`` (true or false, nothing else), kept with the receiver's copy."""

from collections.abc import Iterable
from datetime import date

from opentrm.cases.states import child_case_ids
from opentrm.referrals.models import Referral, TemplateInstance


def is_priority(referral: Referral, on: date) -> bool:
    """Is ``referral`` about a child's case (what its package says as ``opentrm_priority``)?"""
    return referral.case_id is not None and bool(child_case_ids([referral.case_id], on))


def priority_ids(referrals: Iterable[Referral], on: date) -> set[int]:
    """The ids of the referrals among ``referrals`` to mark "priority", in two queries: those
    of a child's case on this node, and copies received without a case here whose sender's
    package or file said so."""
    rows = list(referrals)
    children = child_case_ids((r.case_id for r in rows if r.case_id is not None), on)
    found = {r.pk for r in rows if r.case_id in children}
    received = [r.pk for r in rows if r.case_id is None and r.origin_reference]
    if received:
        found |= set(
            TemplateInstance.objects.filter(
                referral_id__in=received, data__imported__priority=True
            ).values_list("referral_id", flat=True)
        )
    return found
