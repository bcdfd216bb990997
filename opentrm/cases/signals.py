"""Signals the cases app sends, so that other apps can react without cases importing them.

``consent_withdrawn`` is sent by ``services.consent.consent_withdraw`` INSIDE its transaction,
with ``consent`` (the ConsentRecord, already marked withdrawn) and ``actor``: a receiver that
writes (e.g. queues a package for another node) takes part in the same transaction, so its
write happens if and only if the withdrawal is committed.

``person_changed`` is sent by the services that write a person (``services.registration`` and
``services.person``) INSIDE their transaction, after the person's names, citizenships and
fields are saved, with ``person``: the matching index (``matching.index``) re-files it.
"""

from django.dispatch import Signal

consent_withdrawn = Signal()
person_changed = Signal()
