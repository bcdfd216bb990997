"""Roles a member of an organisation can hold. Codes are stored; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")
    DIRECTORY_EDITOR = "directory_editor", _("Directory editor")
    CASE_MANAGER = "case_manager", _("Case manager")
    CASEWORKER = "caseworker", _("Caseworker")
    POLICE_INVESTIGATOR = "police_investigator", _("Police investigator")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    GUARDIAN = "guardian", _("Guardian")
    INTERPRETER = "interpreter", _("Interpreter / cultural mediator")
    STATISTICIAN = "statistician", _("Statistician")
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("Data-protection officer")
    SYSTEM_ADMINISTRATOR = "system_administrator", _("System administrator")
