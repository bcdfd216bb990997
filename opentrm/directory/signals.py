"""What the directory tells apps above it (the exchange publishes changes to peer nodes).

``organisations_changed`` is sent inside the transaction of a directory write, with the ids
of the organisations whose published entry may have changed (the organisation itself, its
contact points, its responsibilities). A receiver that writes in the same transaction makes
its record exist if and only if the change was committed."""

from django.dispatch import Signal

organisations_changed = Signal()  # kwargs: organisation_ids: list[int]


def announce(*organisation_ids: int | None) -> None:
    ids = sorted({pk for pk in organisation_ids if pk is not None})
    if ids:
        organisations_changed.send(sender=None, organisation_ids=ids)
