"""Two refusals of the same sender and code in the same hour at once: the one that opens the
hour's counter second is counted on it, and not audited a second time."""

from typing import Any

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from opentrm.audit.models import AuditEvent
from opentrm.exchange.models import RejectionCount
from opentrm.exchange.services.rejections import rejection_record


@pytest.mark.django_db
def test_the_refusal_that_loses_the_race_to_open_the_hour_is_counted_not_audited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    find = RejectionCount.objects.filter
    opened: list[bool] = []

    def racing(**lookup: Any) -> QuerySet[RejectionCount]:
        same = find(**lookup)
        update = same.update

        def update_then_the_other_opens(**fields: Any) -> int:
            found = update(**fields)
            if not opened:  # the other refusal opens the hour right after we found none
                opened.append(True)
                RejectionCount.objects.create(**lookup, count=1)
            return found

        same.update = update_then_the_other_opens  # type: ignore[method-assign]
        return same

    monkeypatch.setattr(RejectionCount.objects, "filter", racing)

    audited = rejection_record(code="malformed", peer=None, message_id=None, now=timezone.now())

    assert audited is False
    assert RejectionCount.objects.get().count == 2
    assert not AuditEvent.objects.filter(event_type="EXCHANGE_REJECTED").exists()
