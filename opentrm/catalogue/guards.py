"""The guards of the TRM (reference §2.10): which the code enforces, and where they apply.

The measure catalogue (``measures_v<N>.json``) lists, per measure, the guards that protect the
person while it is carried out. A guard here is *enforced* when the code refuses an action
that breaks it; the refusal is explained in plain words (``refusal``) and audited by the
service that refuses (event ``GUARD_BLOCKED``, detail ``guard`` = the id).

Where a guard belongs to a measure, the service asks ``applies(guard, measure_code)``: the
catalogue's list decides, so a country catalogue that drops a guard from a measure drops the
refusal with it, and a catalogue that adds one is enforced at once. Two guards have no measure:
SOP-P14 (a confidential referral or request, every measure) and SOP-P12 (cooperation
agreements, not a measure of a case): ``applies`` is always true for them.

Overrides exist only where the seeds allow one: SOP-P14's confidentiality gives way when a
person's life, freedom or physical integrity is in immediate danger (CoE Convention Art. 33,
the same passage S4:618), with a written reason; the others have none.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opentrm.catalogue.loader import CURRENT_VERSION, KNOWN_GUARDS, load_catalogue

__all__ = ["ENFORCED", "KNOWN_GUARDS", "Guard", "applies", "enforced_guards_listed", "refusal"]


@dataclass(frozen=True)
class Guard:
    """An enforced guard: its id, the rule in plain words, where it is checked."""

    id: str
    rule: Promise
    enforced_in: str
    measure_bound: bool
    override: Promise | None = None


ENFORCED: dict[str, Guard] = {
    guard.id: guard
    for guard in (
        Guard(
            "SOP-P7",
            _(
                "Family reunification only after a thorough risk assessment: record a safety "
                "or re-trafficking risk assessment (or complete the risk assessment measure) "
                "before the family tracing is completed."
            ),
            "cases.services.measures.measure_update",
            measure_bound=True,
        ),
        Guard(
            "SOP-P11",
            _(
                "The police must wait for a guardian or a parent before talking to a child: "
                "name the guardian or parent who will be present before the interview is "
                "scheduled."
            ),
            "cases.services.proceedings.hearing_schedule",
            measure_bound=True,
        ),
        Guard(
            "SOP-P12",
            _(
                "Law enforcement enters cooperation agreements only with organisations that "
                "have a valid security clearance: the directory records none, or an expired "
                "one, for %(organisations)s."
            ),
            "agreements.services.signatures.signature_record",
            measure_bound=False,
        ),
        Guard(
            "SOP-P14",
            _(
                "The sender marked this confidential: it may not be forwarded or used beyond "
                "the purpose it was sent for."
            ),
            "referrals.services.forwarding.referral_forward",
            measure_bound=False,
            override=_(
                "Only when a person's life, freedom or physical integrity is in immediate "
                "danger, with a written reason."
            ),
        ),
    )
}

# Where an enforced measure-bound guard is checked: the measure whose catalogue entry decides.
GUARD_MEASURES: dict[str, tuple[str, ...]] = {
    # Completing family tracing is where the family is reached and reunification follows.
    "SOP-P7": ("sop4.family_tracing",),
    # A police interview of the person is evidence gathering (and may be identification).
    "SOP-P11": ("sop5.evidence_gathering", "sop1.formal_identification"),
}


def applies(
    guard_id: str, measure_code: str | None = None, *, version: int = CURRENT_VERSION
) -> bool:
    """Does the catalogue make ``guard_id`` protect this action? A guard bound to measures
    applies when ``measure_code`` (or, with None, any of its measures) lists it."""
    guard = ENFORCED[guard_id]
    if not guard.measure_bound:
        return True
    catalogue = load_catalogue(version)
    codes = (measure_code,) if measure_code is not None else GUARD_MEASURES[guard_id]
    return any(guard_id in catalogue.measure(code).guards for code in codes)


def refusal(guard_id: str, **values: str) -> str:
    """The guard's rule in plain words, in the active language, for the refused user."""
    text = str(ENFORCED[guard_id].rule)
    return text % values if values else text


def enforced_guards_listed(version: int = CURRENT_VERSION) -> dict[str, list[str]]:
    """Every enforced guard and the catalogue measures that list it (for docs and tests)."""
    catalogue = load_catalogue(version)
    return {
        guard_id: [m.code for m in catalogue.measures if guard_id in m.guards]
        for guard_id in ENFORCED
    }
