"""Each country's settings for cases: the recovery and reflection period, who formally
identifies, and its list of TRM measures (the catalogue renamed, switched off, with other
deadlines, or with measures of its own). Reads first, then the writes, which only a national
coordinator makes, for the coordinator's own country.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import ROLE_ACTIONS, Action, Actor, require
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import states
from opentrm.cases.models import (
    Case,
    CountryCaseSettings,
    MeasureSetting,
)
from opentrm.catalogue.loader import Guidance, load_catalogue
from opentrm.core.concurrency import save_if_unchanged
from opentrm.directory.models import Country

# Council of Europe Convention, Art. 13 (reference SOP-T1): at least 30 days.
MIN_REFLECTION_DAYS = 30
MAX_REFLECTION_DAYS = 365


# --- Reads: a country's settings -----------------------------------------------------------


def country_settings(country: Country) -> CountryCaseSettings:
    """The country's case settings, or unsaved defaults (30 days, the default identifiers)."""
    found = CountryCaseSettings.objects.filter(country=country).first()
    return found if found is not None else CountryCaseSettings(country=country)


def identifying_roles(settings: CountryCaseSettings) -> list[Role]:
    """The roles that may formally identify in the country, in the order roles are listed."""
    return [
        role
        for role in Role
        if states.role_identifies_formally(role, list(settings.identifying_roles or []))
    ]


def roles_that_may_identify() -> list[Role]:
    """The roles a country may choose from: those that record identification decisions."""
    return [role for role in Role if Action.IDENTIFICATION_RECORD in ROLE_ACTIONS[role]]


def case_country(case: Case) -> Country:
    """The country whose settings a case's measures follow: that of the owner organisation."""
    return case.owner_organisation.country


@dataclass(frozen=True)
class EffectiveMeasure:
    """A measure as one country runs it: the catalogue's, renamed or switched off, or its own."""

    code: str
    sop_code: str
    label: str
    catalogue_name: str  # the catalogue's name ("" for a country's own measure)
    guidance: Guidance | None  # the catalogue's WHAT/WHEN/WHO/HOW (None for a country's own)
    national_guidance: str  # what the country adds, or says for its own measure
    default_deadline_days: int | None
    is_enabled: bool
    is_custom: bool

    @property
    def is_renamed(self) -> bool:
        return bool(self.catalogue_name) and self.label != self.catalogue_name


def effective_measures(
    country: Country | None, *, include_disabled: bool = False
) -> list[EffectiveMeasure]:
    """The catalogue merged with the country's settings, SOP by SOP, catalogue order first and
    the country's own measures after them."""
    settings = (
        {s.code: s for s in MeasureSetting.objects.filter(country=country)}
        if country is not None
        else {}
    )
    result: list[EffectiveMeasure] = []
    for sop in load_catalogue().sops:
        for item in sop.measures:
            setting = settings.get(item.code)
            deadline = item.default_deadline_days
            if setting is not None and setting.default_deadline_days is not None:
                deadline = setting.default_deadline_days
            result.append(
                EffectiveMeasure(
                    code=item.code,
                    sop_code=sop.code,
                    label=(setting.label if setting and setting.label else item.name),
                    catalogue_name=item.name,
                    guidance=item.guidance,
                    national_guidance=setting.guidance if setting else "",
                    default_deadline_days=deadline,
                    is_enabled=setting.is_enabled if setting else True,
                    is_custom=False,
                )
            )
        own = sorted(
            (s for s in settings.values() if s.is_custom and s.sop == sop.code),
            key=lambda s: s.pk,
        )
        result.extend(
            EffectiveMeasure(
                code=setting.code,
                sop_code=sop.code,
                label=setting.label or setting.code,
                catalogue_name="",
                guidance=None,
                national_guidance=setting.guidance,
                default_deadline_days=setting.default_deadline_days,
                is_enabled=setting.is_enabled,
                is_custom=True,
            )
            for setting in own
        )
    return [m for m in result if include_disabled or m.is_enabled]


def effective_measure(country: Country | None, code: str) -> EffectiveMeasure | None:
    """One measure of the country's list (switched-off ones included), or None if unknown."""
    return next(
        (m for m in effective_measures(country, include_disabled=True) if m.code == code), None
    )


def unknown_measure(code: str) -> EffectiveMeasure:
    """A measure on a case whose code the current list no longer has: show it, never hide it."""
    return EffectiveMeasure(
        code=code,
        sop_code=code.partition(".")[0],
        label=code,
        catalogue_name="",
        guidance=None,
        national_guidance="",
        default_deadline_days=None,
        is_enabled=False,
        is_custom=False,
    )


# --- Writes: a country's settings ------------------------------------------------------------


def _require_country(actor: Actor, country: Country) -> None:
    require(actor, Action.CASE_SETTINGS_EDIT)
    if actor.country_id != country.pk:
        raise PermissionDenied


@transaction.atomic
def country_settings_update(
    *,
    actor: Actor,
    country: Country,
    expected_version: int,
    reflection_days: int,
    identifying_roles: Iterable[str],
) -> CountryCaseSettings:
    """Change how the actor's own country runs cases. No roles chosen: the default list."""
    _require_country(actor, country)
    errors: dict[str, str] = {}
    if not MIN_REFLECTION_DAYS <= reflection_days <= MAX_REFLECTION_DAYS:
        errors["reflection_days"] = _(
            "Between %(min)s days (the Council of Europe Convention's minimum) and %(max)s."
        ) % {"min": MIN_REFLECTION_DAYS, "max": MAX_REFLECTION_DAYS}
    allowed = {role.value for role in roles_that_may_identify()}
    roles = sorted(set(identifying_roles))
    if any(role not in allowed for role in roles):
        errors["identifying_roles"] = _("Only roles that do case work may identify.")
    if errors:
        raise ValidationError(errors)
    settings, _created = CountryCaseSettings.objects.get_or_create(country=country)
    changed = [
        name
        for name, value in (("reflection_days", reflection_days), ("identifying_roles", roles))
        if getattr(settings, name) != value
    ]
    settings.reflection_days = reflection_days
    settings.identifying_roles = roles
    save_if_unchanged(
        settings,
        expected_version=expected_version,
        fields=["reflection_days", "identifying_roles"],
        actor=actor.user,
    )
    record_event(
        event_type=EventType.CASE_SETTINGS_CHANGED,
        actor=actor,
        target=settings,
        changed_fields=changed,
        detail={"country": country.code},
    )
    return settings


def _check_setting_values(
    label: str, default_deadline_days: int | None, errors: dict[str, str]
) -> None:
    if len(label.strip()) > 200:
        errors["label"] = _("At most 200 characters.")
    if default_deadline_days is not None and not 1 <= default_deadline_days <= 3650:
        errors["default_deadline_days"] = _("Between 1 and 3650 days, or empty for none.")


@transaction.atomic
def measure_setting_save(
    *,
    actor: Actor,
    country: Country,
    code: str,
    label: str = "",
    is_enabled: bool = True,
    default_deadline_days: int | None = None,
    guidance: str = "",
) -> MeasureSetting:
    """Rename, switch off or on, or set the default deadline of a measure in the actor's country.

    An empty label keeps the catalogue's name; cases that have the measure keep it when it is
    switched off.
    """
    _require_country(actor, country)
    item = effective_measure(country, code)
    if item is None:
        raise ValidationError({"code": _("Unknown measure.")})
    errors: dict[str, str] = {}
    _check_setting_values(label, default_deadline_days, errors)
    if item.is_custom and not label.strip():
        errors["label"] = _("A measure of the country's own needs a name.")
    if errors:
        raise ValidationError(errors)
    setting, _created = MeasureSetting.objects.get_or_create(
        country=country, code=code, defaults={"sop": item.sop_code}
    )
    values = {
        "label": label.strip(),
        "is_enabled": is_enabled,
        "default_deadline_days": default_deadline_days,
        "guidance": guidance.strip(),
    }
    changed = [name for name, value in values.items() if getattr(setting, name) != value]
    for name, value in values.items():
        setattr(setting, name, value)
    setting.full_clean()
    setting.save()
    record_event(
        event_type=EventType.CASE_SETTINGS_CHANGED,
        actor=actor,
        target=setting,
        changed_fields=changed,
        detail={"country": country.code, "measure": code},
    )
    return setting


@transaction.atomic
def measure_setting_add(
    *,
    actor: Actor,
    country: Country,
    sop_code: str,
    label: str,
    default_deadline_days: int | None = None,
    guidance: str = "",
) -> MeasureSetting:
    """Add a measure of the country's own to a SOP. Its code (``sop2.al_1``) is never reused."""
    _require_country(actor, country)
    errors: dict[str, str] = {}
    if sop_code not in {sop.code for sop in load_catalogue().sops}:
        errors["sop"] = _("Unknown procedure.")
    if not label.strip():
        errors["label"] = _("Give the measure a name.")
    _check_setting_values(label, default_deadline_days, errors)
    if errors:
        raise ValidationError(errors)
    prefix = f"{sop_code}.{country.code.lower()}_"
    taken = MeasureSetting.objects.filter(country=country, code__startswith=prefix).count()
    number = taken + 1
    while MeasureSetting.objects.filter(country=country, code=f"{prefix}{number}").exists():
        number += 1
    setting = MeasureSetting(
        country=country,
        code=f"{prefix}{number}",
        sop=sop_code,
        label=label.strip(),
        is_enabled=True,
        default_deadline_days=default_deadline_days,
        is_custom=True,
        guidance=guidance.strip(),
    )
    setting.full_clean()
    setting.save()
    record_event(
        event_type=EventType.CASE_SETTINGS_CHANGED,
        actor=actor,
        target=setting,
        changed_fields=["label", "default_deadline_days", "guidance"],
        detail={"country": country.code, "measure": setting.code, "added": True},
    )
    return setting
