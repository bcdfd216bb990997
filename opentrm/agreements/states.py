"""An agreement's status, derived and never stored (MOU-25, MOU-26).

Everything here reads the related rows through ``.all()``, so callers that prefetch
(``AGREEMENT_PREFETCH``) pay a fixed number of queries however many agreements they look at.

- A version is *signed* on a day when every party of it has a signature dated that day or
  earlier (and it has at least two parties).
- The *governing* version on a day is the highest-numbered version signed by then; while an
  amendment waits for signatures, the version before it keeps governing.
- The agreement is *in force* on a day when a version governs, the day is within that
  version's validity, and no termination has taken effect.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from opentrm.agreements.models import Agreement, AgreementParty, AgreementVersion, Signature

MIN_PARTIES = 2


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft: awaiting signatures")
    NOT_YET_VALID = "not_yet_valid", _("Signed, not yet valid")
    IN_FORCE = "in_force", _("In force")
    AMENDMENT_PENDING = "amendment_pending", _("In force, amendment awaiting signatures")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


IN_FORCE_STATUSES = frozenset({Status.IN_FORCE, Status.AMENDMENT_PENDING})

AGREEMENT_PREFETCH = (
    Prefetch("versions", queryset=AgreementVersion.objects.order_by("number")),
    Prefetch(
        "versions__parties",
        queryset=AgreementParty.objects.select_related("organisation__country").order_by("id"),
    ),
    Prefetch(
        "versions__parties__signatures",
        queryset=Signature.objects.filter(voided_at__isnull=True)
        .select_related("recorded_by")
        .order_by("id"),
    ),
)


def signature_of(party: AgreementParty) -> Signature | None:
    """The party's signature that counts (a voided one never does)."""
    signatures = [s for s in party.signatures.all() if s.voided_at is None]
    return signatures[0] if signatures else None


def versions_of(agreement: Agreement) -> list[AgreementVersion]:
    return sorted(agreement.versions.all(), key=lambda version: version.number)


def latest_version(agreement: Agreement) -> AgreementVersion:
    return versions_of(agreement)[-1]


def signed_on(version: AgreementVersion) -> date | None:
    """The day the last party signed, or None while a party has not signed (or fewer than
    two parties are named)."""
    parties = list(version.parties.all())
    if len(parties) < MIN_PARTIES:
        return None
    days: list[date] = []
    for party in parties:
        signature = signature_of(party)
        if signature is None:
            return None
        days.append(signature.signed_on)
    return max(days)


def has_signatures(version: AgreementVersion) -> bool:
    return any(signature_of(party) is not None for party in version.parties.all())


def is_signed(version: AgreementVersion, on: date) -> bool:
    day = signed_on(version)
    return day is not None and day <= on


def governing_version(agreement: Agreement, on: date) -> AgreementVersion | None:
    """The version whose text applies on ``on``: the latest one every party had signed."""
    signed = [version for version in versions_of(agreement) if is_signed(version, on)]
    return signed[-1] if signed else None


def is_terminated(agreement: Agreement, on: date) -> bool:
    return agreement.terminated_on is not None and agreement.terminated_on <= on


def status(agreement: Agreement, on: date) -> Status:
    if is_terminated(agreement, on):
        return Status.TERMINATED
    governing = governing_version(agreement, on)
    if governing is None:
        return Status.DRAFT
    if governing.valid_until is not None and on > governing.valid_until:
        return Status.EXPIRED
    if governing.valid_from is not None and on < governing.valid_from:
        return Status.NOT_YET_VALID
    if latest_version(agreement).number > governing.number:
        return Status.AMENDMENT_PENDING
    return Status.IN_FORCE


def is_in_force(agreement: Agreement, on: date) -> bool:
    return status(agreement, on) in IN_FORCE_STATUSES


@dataclass(frozen=True)
class Summary:
    """What lists and the detail page show about the state of an agreement."""

    status: Status
    governing: AgreementVersion | None
    latest: AgreementVersion
    signed_count: int
    party_count: int

    @property
    def editable(self) -> bool:
        """The latest version is a draft nobody has signed yet."""
        return self.signed_count == 0 and self.status != Status.TERMINATED

    @property
    def amendable(self) -> bool:
        return (
            self.governing is not None
            and self.governing.pk == self.latest.pk
            and (self.status not in (Status.TERMINATED,))
        )


def summary(agreement: Agreement, on: date) -> Summary:
    latest = latest_version(agreement)
    parties = list(latest.parties.all())
    return Summary(
        status=status(agreement, on),
        governing=governing_version(agreement, on),
        latest=latest,
        signed_count=sum(1 for party in parties if signature_of(party) is not None),
        party_count=len(parties),
    )
