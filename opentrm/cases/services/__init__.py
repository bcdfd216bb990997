"""Writes on cases. Each checks the actor, validates, and audits in the same transaction.

One module per part of the case file; import from here.
"""

from opentrm.cases.services.case_settings import (
    country_settings_update,
    measure_setting_add,
    measure_setting_save,
)
from opentrm.cases.services.child import (
    OriginContactBlockedError,
    child_safeguards_update,
    contact_country_of_origin_check,
    country_contact_plan,
)
from opentrm.cases.services.consent import consent_record, consent_withdraw
from opentrm.cases.services.identification import identification_record, reflection_period_start
from opentrm.cases.services.measures import GuardBlockedError, measure_plan, measure_update
from opentrm.cases.services.person import person_update
from opentrm.cases.services.registration import NameData, case_register, case_soft_delete
from opentrm.cases.services.tasks import (
    sync_generated_tasks,
    task_complete,
    task_create,
    task_reminders_send,
    task_reopen,
)

__all__ = [
    "GuardBlockedError",
    "NameData",
    "OriginContactBlockedError",
    "case_register",
    "case_soft_delete",
    "child_safeguards_update",
    "consent_record",
    "consent_withdraw",
    "contact_country_of_origin_check",
    "country_contact_plan",
    "country_settings_update",
    "identification_record",
    "measure_plan",
    "measure_setting_add",
    "measure_setting_save",
    "measure_update",
    "person_update",
    "reflection_period_start",
    "sync_generated_tasks",
    "task_complete",
    "task_create",
    "task_reminders_send",
    "task_reopen",
]
