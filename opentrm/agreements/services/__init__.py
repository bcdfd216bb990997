"""Writes to the agreements register. Each service re-checks the actor, validates, writes and
audits in one transaction; audit rows hold ids, codes and field names only.

Only the latest version is ever changed, and only while nobody has signed it: a signature
freezes the text the parties agreed to. To change a signed text, draft an amendment.

The services are split by subject; import them from here.
"""

from opentrm.agreements.services._common import (
    CATEGORY_VALUES,
    CONTENT_FIELDS,
    HEADER_FIELDS,
    MEETING_ROLES,
    measure_codes,
    procedure_codes,
)
from opentrm.agreements.services.meetings import (
    MeetingReminderResult,
    meeting_cancel,
    meeting_reminders_send,
    meeting_schedule,
)
from opentrm.agreements.services.parties import flow_approve, flow_set, party_add, party_update
from opentrm.agreements.services.signatures import (
    agreement_amend,
    agreement_terminate,
    signature_record,
)
from opentrm.agreements.services.text import agreement_create, agreement_errors, agreement_update

__all__ = [
    "CATEGORY_VALUES",
    "CONTENT_FIELDS",
    "HEADER_FIELDS",
    "MEETING_ROLES",
    "MeetingReminderResult",
    "agreement_amend",
    "agreement_create",
    "agreement_errors",
    "agreement_terminate",
    "agreement_update",
    "flow_approve",
    "flow_set",
    "measure_codes",
    "meeting_cancel",
    "meeting_reminders_send",
    "meeting_schedule",
    "party_add",
    "party_update",
    "procedure_codes",
    "signature_record",
]
