"""Writes on cases. Each checks the actor, validates, and audits in the same transaction.

One module per part of the case file; import from here.
"""

from opentrm.cases.services.case_data import (
    Exploitation,
    case_data_update,
    information_given_record,
)
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
from opentrm.cases.services.closure import case_close, case_reopen
from opentrm.cases.services.consent import consent_record, consent_withdraw
from opentrm.cases.services.documents import (
    consent_signed_form_attach,
    document_delete,
    document_upload,
)
from opentrm.cases.services.identification import identification_record, reflection_period_start
from opentrm.cases.services.measures import GuardBlockedError, measure_plan, measure_update
from opentrm.cases.services.notes import note_add, note_delete
from opentrm.cases.services.participants import (
    participant_add,
    participant_remove,
    participant_set_case_manager,
)
from opentrm.cases.services.person import person_update
from opentrm.cases.services.registration import (
    NameData,
    Notification,
    case_register,
    case_soft_delete,
)
from opentrm.cases.services.statuses import status_override, status_override_end
from opentrm.cases.services.task_reminders import task_reminders_send
from opentrm.cases.services.tasks import (
    sync_generated_tasks,
    task_complete,
    task_create,
    task_reopen,
)

__all__ = [
    "Exploitation",
    "GuardBlockedError",
    "NameData",
    "Notification",
    "OriginContactBlockedError",
    "case_close",
    "case_data_update",
    "case_register",
    "case_reopen",
    "case_soft_delete",
    "child_safeguards_update",
    "consent_record",
    "consent_signed_form_attach",
    "consent_withdraw",
    "contact_country_of_origin_check",
    "country_contact_plan",
    "country_settings_update",
    "document_delete",
    "document_upload",
    "identification_record",
    "information_given_record",
    "measure_plan",
    "measure_setting_add",
    "measure_setting_save",
    "measure_update",
    "note_add",
    "note_delete",
    "participant_add",
    "participant_remove",
    "participant_set_case_manager",
    "person_update",
    "reflection_period_start",
    "status_override",
    "status_override_end",
    "sync_generated_tasks",
    "task_complete",
    "task_create",
    "task_reminders_send",
    "task_reopen",
]

# --- assessments and plans (issue 3 §7) ---
from opentrm.cases.services.assessments import (
    assessment_record,
    assessment_soft_delete,
    assessment_update,
    health_update,
)
from opentrm.cases.services.plans import (
    ActivityData,
    plan_acknowledge,
    plan_activate,
    plan_close,
    plan_draft,
    plan_revise,
    plan_update,
    risk_plan_review,
    risk_plan_save,
)

# services and proceedings (issue 3 §8, §9)
from opentrm.cases.services.proceedings import (
    NoContactConflictError,
    hearing_cancel,
    hearing_schedule,
    hearing_update,
    no_contact_add,
    no_contact_remove,
    proceeding_record,
    proceeding_update,
)
from opentrm.cases.services.service_delivery import (
    service_delete,
    service_move,
    service_offer,
    service_update,
)

__all__ += [
    "ActivityData",
    "assessment_record",
    "assessment_soft_delete",
    "assessment_update",
    "health_update",
    "plan_acknowledge",
    "plan_activate",
    "plan_close",
    "plan_draft",
    "plan_revise",
    "plan_update",
    "risk_plan_review",
    "risk_plan_save",
]

__all__ += [
    "NoContactConflictError",
    "hearing_cancel",
    "hearing_schedule",
    "hearing_update",
    "no_contact_add",
    "no_contact_remove",
    "proceeding_record",
    "proceeding_update",
    "service_delete",
    "service_move",
    "service_offer",
    "service_update",
]
