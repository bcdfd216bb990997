"""Packages held back when they are about to be sent (docs/exchange.md, "Holds").

A higher layer registers a check that names, among the referrals of the packages a worker is
about to send, those whose packages must not go out now, with a reason code: the data-protection
app holds every package of a person whose processing is restricted (GDPR art. 18), whether it was
queued before the restriction or is a dead letter retried later. A held package becomes a dead
letter with ``held:<reason>`` as its error, audited; nothing of it is sealed or posted. The
exchange itself knows nothing of persons (docs/adr/0009-import-layers.md).
"""

from collections.abc import Callable, Iterable

HoldCheck = Callable[[set[int]], dict[int, str]]  # referral ids -> {held referral id: reason}

_checks: list[HoldCheck] = []


def register_hold(check: HoldCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def held_referrals(referral_ids: Iterable[int | None]) -> dict[int, str]:
    """The referrals among ``referral_ids`` whose packages are held now, with the reason."""
    wanted = {referral_id for referral_id in referral_ids if referral_id is not None}
    held: dict[int, str] = {}
    if wanted:
        for check in _checks:
            held.update(check(wanted))
    return held
