"""Per-country template profiles (issue 4 §5, reference TPL-00c): a national coordinator adds
fields to the Annex I template or switches fields off; never a field the law requires. Each
change bumps the profile's version; every template instance records the profile country and
version it was made with."""

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.concurrency import save_if_unchanged
from opentrm.directory.models import Country
from opentrm.referrals.models import TemplateProfile
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import Template

_NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")


def profile_of(country_id: int | None) -> TemplateProfile | None:
    if country_id is None:
        return None
    return TemplateProfile.objects.select_related("country").filter(country_id=country_id).first()


def definition_for(profile: TemplateProfile | None) -> Template:
    """The template as the country of ``profile`` uses it (the shipped one without a profile)."""
    if profile is None:
        return loader.load_template()
    return loader.definition(added=profile.added_fields, disabled=profile.disabled_fields)


def _own_country(actor: Actor) -> Country:
    require(actor, Action.CASE_SETTINGS_EDIT)
    assert actor.membership is not None  # require() let a member through, no one else
    country: Country = actor.membership.organisation.country
    return country


def _profile_for_update(country: Country) -> TemplateProfile:
    profile, _created = TemplateProfile.objects.get_or_create(
        country=country, defaults={"version": 0}
    )
    return profile


def _save(
    actor: Actor, profile: TemplateProfile, expected_version: int, change: str, code: str
) -> TemplateProfile:
    # The profile's ``version`` is its row version: every saved change bumps it by one.
    save_if_unchanged(
        profile,
        expected_version=expected_version,
        fields=["added_fields", "disabled_fields"],
        actor=actor.user,
    )
    profile.refresh_from_db()
    record_event(
        event_type=EventType.REFERRAL_SETTINGS_CHANGED,
        actor=actor,
        target=profile,
        detail={
            "setting": "template_profile",
            "country": profile.country.code,
            "change": change,
            "field": code,
            "profile_version": profile.version,
        },
    )
    return profile


@transaction.atomic
def profile_add_field(
    *, actor: Actor, expected_version: int, values: Mapping[str, Any]
) -> TemplateProfile:
    """Add a field to the country's template. ``values``: name, label, type, section, group."""
    country = _own_country(actor)
    base = loader.load_template()
    errors: dict[str, str] = {}
    name = str(values.get("name", "")).strip().lower()
    label = str(values.get("label", "")).strip()
    type_ = str(values.get("type", ""))
    section_code = str(values.get("section", ""))
    group = values.get("group") or None
    section = base.section(section_code)
    if not _NAME.fullmatch(name):
        errors["name"] = _(
            "Use 2 to 40 lower-case letters, digits or underscores, starting with a letter."
        )
    if not label or len(label) > 200:
        errors["label"] = _("Write the label, at most 200 characters.")
    elif "%" in label:
        errors["label"] = _("The label must not contain “%”.")
    if type_ not in loader.ADDABLE_TYPES:
        errors["type"] = _("Unknown type of field.")
    if section is None:
        errors["section"] = _("Unknown section of the template.")
    if group is not None and group not in loader.GROUPS:
        errors["group"] = _("Unknown data category.")
    if errors:
        raise ValidationError(errors)
    assert section is not None
    profile = _profile_for_update(country)
    code = f"{section.code}.{country.code.lower()}_{name}"
    known = {item.get("code") for item in profile.added_fields}
    if code in known or base.field(code) is not None:
        raise ValidationError({"name": _("The template already has a field with this name.")})
    profile.added_fields = [
        *profile.added_fields,
        {
            "code": code,
            "label": label,
            "type": type_,
            "section": section.code,
            "group": group,
            "owner": section.owner,
        },
    ]
    return _save(actor, profile, expected_version, "add_field", code)


@transaction.atomic
def profile_remove_added_field(
    *, actor: Actor, expected_version: int, code: str
) -> TemplateProfile:
    country = _own_country(actor)
    profile = _profile_for_update(country)
    remaining = [item for item in profile.added_fields if item.get("code") != code]
    if len(remaining) == len(profile.added_fields):
        raise ValidationError({"code": _("Your country did not add this field.")})
    profile.added_fields = remaining
    return _save(actor, profile, expected_version, "remove_field", code)


@transaction.atomic
def profile_disable_field(*, actor: Actor, expected_version: int, code: str) -> TemplateProfile:
    """Switch a shipped field off for the country; refused for a field the law requires."""
    country = _own_country(actor)
    item = loader.load_template().field(code)
    if item is None:
        raise ValidationError({"code": _("The template has no such field.")})
    if item.required_by_law:
        raise ValidationError(
            {
                "code": _(
                    "“%(label)s” is required by law: it cannot be switched off, and nothing "
                    "was changed."
                )
                % {"label": item.label}
            }
        )
    profile = _profile_for_update(country)
    if code in profile.disabled_fields:
        raise ValidationError({"code": _("This field is already switched off.")})
    profile.disabled_fields = [*profile.disabled_fields, code]
    return _save(actor, profile, expected_version, "disable_field", code)


@transaction.atomic
def profile_enable_field(*, actor: Actor, expected_version: int, code: str) -> TemplateProfile:
    country = _own_country(actor)
    profile = _profile_for_update(country)
    if code not in profile.disabled_fields:
        raise ValidationError({"code": _("This field is not switched off.")})
    profile.disabled_fields = [c for c in profile.disabled_fields if c != code]
    return _save(actor, profile, expected_version, "enable_field", code)
