"""The minimal offer in a package (issue 13 §6): what the receiving node shows its focal point
before it acknowledges a referral or request — the person's age band, sex and languages (only
when the sending organisation may show them), the needs and the reason — named as HTCDS 2.0
names them where it has the concept (``prs_Gender``, ``prs_PrimaryLanguage``,
``cas_ReasonForOutgoingReferral``, ``cas_OutgoingReferralDetails``), else ``opentrm_``.

Codes in and out are OpenTRM's (``female``, ``over_18``, need codes); this module only names
them for the package and reads them back.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opentrm.exchange.fieldnames import PREFIX, languages_in, languages_out

# OpenTRM's sex codes (cases.models.Sex) -> HTCDS prs_Gender value names.
GENDER: dict[str, str] = {
    "female": "Feminine",
    "male": "Masculine",
    "other": "NonConforming",
    "unknown": "NonSpecifiedUnknown",
}
# HTCDS value names OpenTRM has no code of, read as the nearest code.
GENDER_RECEIVED: dict[str, str] = {"TransgenderFeminine": "other", "TransgenderMasculine": "other"}
AGE_BANDS = ("under_18", "over_18", "unknown")
# cas_ReasonForOutgoingReferral: a transnational referral moves the person's case to another
# country; the other requests ask another country for a service.
REASON_TRANSNATIONAL = "MigrationOrChangeOfLocation"
REASON_REQUEST = "AdditionalServicesRequired"
REASON_DETAILS_MAX = 2000


@dataclass(frozen=True)
class Offer:
    """A received offer in OpenTRM's codes; empty values where the package said nothing."""

    age_band: str = "unknown"
    sex: str = "unknown"
    languages: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    reason: str = ""


def to_package(
    *,
    age_band: str,
    sex: str,
    languages: Iterable[str],
    needs: Iterable[str],
    reason: str,
    transnational: bool,
) -> dict[str, Any]:
    codes = [str(code) for code in languages]
    offer: dict[str, Any] = {
        PREFIX + "age_band": age_band if age_band in AGE_BANDS else "unknown",
        "prs_Gender": GENDER.get(sex, GENDER["unknown"]),
        PREFIX + "needs": [str(need) for need in needs],
        "cas_ReasonForOutgoingReferral": REASON_TRANSNATIONAL if transnational else REASON_REQUEST,
    }
    offer.update(languages_out(codes))
    if reason:
        offer["cas_OutgoingReferralDetails"] = reason[:REASON_DETAILS_MAX]
    return offer


def from_package(offer: Mapping[str, Any] | None) -> Offer | None:
    """The offer of a package body (None for a body of format 1, which had none)."""
    if not isinstance(offer, Mapping):
        return None
    gender = str(offer.get("prs_Gender") or "")
    sex = GENDER_RECEIVED.get(gender) or next(
        (code for code, name in GENDER.items() if name == gender), "unknown"
    )
    band = str(offer.get(PREFIX + "age_band") or "unknown")
    return Offer(
        age_band=band if band in AGE_BANDS else "unknown",
        sex=sex,
        languages=languages_in(offer),
        needs=[str(need) for need in offer.get(PREFIX + "needs") or []],
        reason=str(offer.get("cas_OutgoingReferralDetails") or ""),
    )
