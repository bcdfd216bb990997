"""Writes on cases. Each checks the actor, validates, and audits in the same transaction.

One module per part of the case file; import from here.
"""

from opentrm.cases.services.consent import consent_record, consent_withdraw
from opentrm.cases.services.person import person_update
from opentrm.cases.services.registration import NameData, case_register, case_soft_delete

__all__ = [
    "NameData",
    "case_register",
    "case_soft_delete",
    "consent_record",
    "consent_withdraw",
    "person_update",
]
