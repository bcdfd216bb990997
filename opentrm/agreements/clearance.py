"""SOP-P12 / DP-60, DP-61: law enforcement enters cooperation agreements only with credible
organisations that have a security clearance (S0:80; S1:53).

Pure questions about the parties of an agreement version; ``services.signatures`` asks them
before recording a signature and refuses (audited ``GUARD_BLOCKED``) while a party needs a
clearance the directory does not record as valid on the day of signing. The seeds allow no
override: the directory's clearance is corrected first (by the organisation's editors).
"""

from collections.abc import Iterable
from datetime import date

from opentrm.directory.models import ClearanceLevel, Organisation, OrganisationType

T = OrganisationType

# The law-enforcement side of DP-60 (reference §1.1).
LAW_ENFORCEMENT_TYPES = frozenset(
    {
        T.POLICE,
        T.ANTI_TRAFFICKING_POLICE,
        T.BORDER_POLICE,
        T.OTHER_POLICE,
        T.PROSECUTION,
        T.INTERNATIONAL_POLICE_JUDICIAL,
    }
)
# The support organisations of DP-60/61: bodies outside the state that need the clearance.
# A state body (a ministry, social services) is vetted by its own law, not by a clearance.
SUPPORT_ORGANISATION_TYPES = frozenset(
    {T.NGO, T.SHELTER, T.INTERNATIONAL_ORGANISATION, T.INTERPRETATION, T.EMPLOYMENT_SECTOR, T.OTHER}
)


def clearance_valid_on(organisation: Organisation, day: date) -> bool:
    """The directory records a security clearance for ``organisation`` that holds on ``day``."""
    return organisation.clearance_level != ClearanceLevel.NONE and (
        organisation.clearance_expires_on is None or organisation.clearance_expires_on >= day
    )


def uncleared_parties(organisations: Iterable[Organisation], day: date) -> list[Organisation]:
    """The support organisations that lack a valid clearance on ``day``, when law enforcement
    is a party; none otherwise."""
    parties = list(organisations)
    if not any(org.type in LAW_ENFORCEMENT_TYPES for org in parties):
        return []
    return [
        org
        for org in parties
        if org.type in SUPPORT_ORGANISATION_TYPES and not clearance_valid_on(org, day)
    ]
