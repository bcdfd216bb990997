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
    EVALUATOR = "evaluator", _("Evaluator (read-only aggregates)")
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("Data-protection officer")
    SYSTEM_ADMINISTRATOR = "system_administrator", _("System administrator")


# How far each role reaches, lowest first. A system administrator alone may grant a role up to
# and including a caseworker's; anything above needs a second administrator of the same
# organisation (four-eyes, docs/permissions.md "Role grants (four-eyes)").
#   1  no personal data of cases, or only what an interview needs: statistician, evaluator,
#      interpreter
#   2  everyday case work with the caseworker's field groups: caseworker
#   3  case work that edits more than a caseworker may (health, proceedings, child protection,
#      participants, agreements): case manager, police investigator, prosecutor, guardian
#   4  powers over the country or the node: national coordinator (agreements, country
#      settings), directory editor (where referrals are sent), data-protection officer (the
#      whole audit trail), system administrator (members, node exchange)
ROLE_RANK: dict[Role, int] = {
    Role.STATISTICIAN: 1,
    Role.EVALUATOR: 1,
    Role.INTERPRETER: 1,
    Role.CASEWORKER: 2,
    Role.CASE_MANAGER: 3,
    Role.POLICE_INVESTIGATOR: 3,
    Role.PROSECUTOR: 3,
    Role.GUARDIAN: 3,
    Role.NATIONAL_COORDINATOR: 4,
    Role.DIRECTORY_EDITOR: 4,
    Role.DATA_PROTECTION_OFFICER: 4,
    Role.SYSTEM_ADMINISTRATOR: 4,
}


def needs_second_administrator(role: Role) -> bool:
    """Granting ``role`` needs a second administrator's approval (above a caseworker)."""
    return ROLE_RANK[role] > ROLE_RANK[Role.CASEWORKER]


# Who may hold personal API tokens (OPENTRM_API_TOKEN_ROLES, comma-separated codes), by default
# the roles that connect other systems: the administrator (node scripts, monitoring), the
# national coordinator (the country's focal point, national statistics and reporting tools) and
# the directory editor (keeping the directory in step with a national register). Case work is
# done in the browser; a token there is one more secret to lose (docs/permissions.md).
DEFAULT_API_TOKEN_ROLES: tuple[Role, ...] = (
    Role.SYSTEM_ADMINISTRATOR,
    Role.NATIONAL_COORDINATOR,
    Role.DIRECTORY_EDITOR,
)
