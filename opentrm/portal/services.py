"""Writes of the portal: country profiles, library items, and the glossary's seed versions.

Each write is one transaction with its audit event; a stale form is refused (optimistic lock).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from importlib import resources
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.services.documents import files_removed_on_rollback, inspect_file, max_bytes
from opentrm.core.concurrency import (
    save_first_or_if_unchanged,
    save_if_unchanged,
    soft_delete_if_unchanged,
)
from opentrm.core.input import required_reason
from opentrm.directory.models import Country, Organisation
from opentrm.portal import glossary_index
from opentrm.portal.models import (
    CountryProfile,
    GlossaryRevision,
    GlossaryTerm,
    GlossaryText,
    NationalTerm,
    Resource,
    ResourceKind,
    Visibility,
)

PROFILE_FIELDS = (
    "language",
    "legislation",
    "criminal_code_articles",
    "national_action_plan",
    "nrm_status",
    "sop_status",
    "sop_adopted_on",
    "instruments",
    "social_protection",
    "labour_regulations",
    "request_routes",
    "visibility",
)
# Library files: PDF, PNG, JPEG or plain text, recognised by content (as case documents).
RESOURCE_TYPES = {"application/pdf", "text/plain", "image/png", "image/jpeg"}


# --- country profiles --------------------------------------------------------------------------


@transaction.atomic
def profile_update(
    *, actor: Actor, profile: CountryProfile, values: Mapping[str, Any], expected_version: int
) -> CountryProfile:
    """Save the country's profile; saving it is a review, so the review date becomes today."""
    if not can(actor, Action.PORTAL_EDIT, profile):
        raise PermissionDenied
    is_new = profile.pk is None
    changed = [name for name in PROFILE_FIELDS if getattr(profile, name) != values[name]]
    for name in PROFILE_FIELDS:
        setattr(profile, name, values[name])
    profile.reviewed_on = timezone.localdate()
    save_first_or_if_unchanged(
        profile,
        is_new=is_new,
        expected_version=expected_version,
        fields=[*changed, "reviewed_on"],
        actor=actor.user,
    )
    record_event(
        event_type=EventType.COUNTRY_PROFILE_CHANGED,
        actor=actor,
        target=profile,
        changed_fields=changed,
        detail={"country": profile.country.code, "reviewed_on": str(profile.reviewed_on)},
    )
    return profile


# --- national terms: what each country's law and practice call a term ---------------------------


@transaction.atomic
def national_term_add(
    *,
    actor: Actor,
    term: GlossaryTerm,
    name: str,
    language: str,
    is_legal_term: bool = False,
    legal_reference: str = "",
) -> NationalTerm:
    """Record the actor's country's own word for ``term``; only that country's editors."""
    require(actor, Action.PORTAL_EDIT)
    assert actor.membership is not None
    national = NationalTerm(
        term=term,
        country=actor.membership.organisation.country,
        name=name.strip(),
        language=language,
        is_legal_term=is_legal_term,
        legal_reference=legal_reference.strip(),
    )
    if not national.name:
        raise ValidationError({"name": _("Give the country's term.")})
    national.full_clean()
    national.save()
    record_event(
        event_type=EventType.GLOSSARY_TERM_CHANGED,
        actor=actor,
        target=term,
        detail={"national_term_added": national.pk, "country": national.country.code},
    )
    return national


@transaction.atomic
def national_term_remove(*, actor: Actor, national: NationalTerm) -> None:
    if not can(actor, Action.PORTAL_EDIT, national):
        raise PermissionDenied
    term, pk = national.term, national.pk
    national.delete()
    record_event(
        event_type=EventType.GLOSSARY_TERM_CHANGED,
        actor=actor,
        target=term,
        detail={"national_term_removed": pk},
    )


# --- the library -------------------------------------------------------------------------------


def resource_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of a library item's input at once, by field (issue 12 §5): the rules
    ``resource_add`` applies (a file or a link, the file's type and size, who may read it), for
    a form's precheck. Nothing is written; a link with its own error counts as given."""
    _inspected, errors = _resource_errors(
        title=values.get("title") or "",
        kind=values.get("kind") or "",
        language=values.get("language") or "",
        url=(values.get("url") or "") if "url" in values else "?",
        upload=values.get("file"),
        visibility=values.get("visibility") or Visibility.MEMBERS,
    )
    return {name: [message] for name, message in errors.items()}


def _resource_errors(
    *,
    title: str,
    kind: str,
    language: str,
    url: str,
    upload: File | None,  # type: ignore[type-arg]
    visibility: str,
) -> tuple[Any, dict[str, str]]:
    errors: dict[str, str] = {}
    if visibility not in Visibility.values:
        errors["visibility"] = _("Pick who may read the item.")
    if not title.strip():
        errors["title"] = _("Give the item a title.")
    if kind not in ResourceKind.values:
        errors["kind"] = _("Pick a type from the list.")
    if not language:
        errors["language"] = _("Pick the language of the item.")
    inspected = None
    if upload is None and not url:
        errors["file"] = _("Upload a file or give a link.")
    elif upload is not None:
        limit = max_bytes()
        inspected = inspect_file(upload)
        if inspected.size == 0:
            errors["file"] = _("The file is empty.")
        elif inspected.size > limit:
            errors["file"] = _("The file is too large: %(size)s MB at most.") % {
                "size": f"{limit / (1024 * 1024):g}"
            }
        elif inspected.file_type is None or inspected.file_type.content_type not in (
            RESOURCE_TYPES
        ):
            errors["file"] = _("Only PDF, PNG, JPEG or plain-text files can be added.")
    return inspected, errors


def resource_add(
    *,
    actor: Actor,
    kind: str,
    title: str,
    language: str,
    description: str = "",
    country: Country | None = None,
    url: str = "",
    upload: File | None = None,  # type: ignore[type-arg]
    visibility: str = Visibility.MEMBERS,
    organisations: Iterable[Organisation] = (),
    reviewed_on: date | None = None,
) -> Resource:
    """Add an item to the library, owned by the actor's organisation."""
    require(actor, Action.PORTAL_EDIT)
    assert actor.membership is not None
    inspected, errors = _resource_errors(
        title=title, kind=kind, language=language, url=url, upload=upload, visibility=visibility
    )
    if errors:
        raise ValidationError(errors)
    with files_removed_on_rollback():
        resource = Resource(
            kind=kind,
            title=title.strip(),
            description=description,
            language=language,
            country=country,
            owner=actor.membership.organisation,
            url=url,
            visibility=visibility,
            reviewed_on=reviewed_on or timezone.localdate(),
            updated_by=actor.user,
        )
        if upload is not None and inspected is not None and inspected.file_type is not None:
            resource.original_name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
            resource.content_type = inspected.file_type.content_type
            resource.size = inspected.size
            resource.sha256 = inspected.sha256
            resource.file.save("upload", upload, save=False)
        resource.save()
        resource.organisations.set(list(organisations))
        record_event(
            event_type=EventType.RESOURCE_ADDED,
            actor=actor,
            target=resource,
            detail={"kind": kind, "visibility": visibility, "size": resource.size},
        )
    return resource


@transaction.atomic
def resource_review(*, actor: Actor, resource: Resource, expected_version: int) -> Resource:
    """The owner's editor confirms the item is still right: its review date becomes today."""
    if not can(actor, Action.PORTAL_EDIT, resource):
        raise PermissionDenied
    resource.reviewed_on = timezone.localdate()
    save_if_unchanged(
        resource, expected_version=expected_version, fields=["reviewed_on"], actor=actor.user
    )
    record_event(
        event_type=EventType.RESOURCE_REVIEWED,
        actor=actor,
        target=resource,
        changed_fields=["reviewed_on"],
    )
    return resource


@transaction.atomic
def resource_delete(
    *, actor: Actor, resource: Resource, expected_version: int, reason: str
) -> Resource:
    """Take an item out of the library: marked deleted (who, when, why), its file kept."""
    if not can(actor, Action.PORTAL_EDIT, resource):
        raise PermissionDenied
    soft_delete_if_unchanged(
        resource,
        expected_version=expected_version,
        reason=required_reason(reason, _("Say why the item is taken out of the library.")),
        actor=actor.user,
    )
    record_event(event_type=EventType.RESOURCE_DELETED, actor=actor, target=resource)
    return resource


def resource_download_record(*, actor: Actor, resource: Resource) -> None:
    """A restricted item was fetched: who read it stays on the trail (public ones are not)."""
    record_event(event_type=EventType.RESOURCE_DOWNLOADED, actor=actor, target=resource)


# --- the glossary --------------------------------------------------------------------------------

GLOSSARY_FILE = "glossary_v1.json"
PROFILES_FILE = "country_profiles_v1.json"


def shipped(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("opentrm.portal").joinpath("data", name).read_text(encoding="utf-8")
    )
    return data


def _snapshot(term: GlossaryTerm) -> dict[str, Any]:
    return {
        "source": term.source,
        "texts": {
            text.language: {"name": text.name, "definition": text.definition}
            for text in term.texts.all()
        },
    }


@transaction.atomic
def glossary_load(data: Mapping[str, Any] | None = None) -> int:
    """Bring the glossary up to the shipped working definitions; the number of terms changed.

    A term whose wording changed keeps its old wording as a revision and gets a new version.
    National terms are added for the countries the directory lists.
    """
    data = data if data is not None else shipped(GLOSSARY_FILE)
    countries = {country.code: country for country in Country.objects.all()}
    changed = 0
    for entry in data["terms"]:
        term, created = GlossaryTerm.objects.get_or_create(
            slug=entry["slug"],
            defaults={"source": entry["source"], "reviewed_on": timezone.localdate()},
        )
        wanted = {
            "source": entry["source"],
            "texts": {lang: dict(text) for lang, text in entry["texts"].items()},
        }
        before = _snapshot(term)
        if not created and before == wanted:
            continue
        if not created:
            GlossaryRevision.objects.create(term=term, version=term.version, snapshot=before)
            term.version += 1
            term.source = entry["source"]
            term.reviewed_on = timezone.localdate()
            term.save()
        for lang, text in entry["texts"].items():
            GlossaryText.objects.update_or_create(
                term=term,
                language=lang,
                defaults={"name": text["name"], "definition": text["definition"]},
            )
        for national in entry.get("national", []):
            country = countries.get(national["country"])
            if country is not None:
                NationalTerm.objects.get_or_create(
                    term=term,
                    country=country,
                    name=national["name"],
                    defaults={
                        "language": national["language"],
                        "is_legal_term": national.get("legal", False),
                        "legal_reference": national.get("reference", ""),
                    },
                )
        record_event(
            event_type=EventType.GLOSSARY_TERM_CHANGED,
            actor=None,
            target=term,
            detail={"version": term.version, "seed": data["version"]},
        )
        changed += 1
    transaction.on_commit(glossary_index.forget)
    return changed


@transaction.atomic
def profiles_load(data: Mapping[str, Any] | None = None) -> int:
    """Create the shipped profiles of the countries the directory lists and that have none yet;
    an existing profile belongs to its country's editors and is never overwritten."""
    data = data if data is not None else shipped(PROFILES_FILE)
    made = 0
    for code, values in data["profiles"].items():
        country = Country.objects.filter(code=code).first()
        if country is None or CountryProfile.objects.filter(country=country).exists():
            continue
        fields = {k: v for k, v in values.items() if k in PROFILE_FIELDS}
        if fields.get("sop_adopted_on"):
            fields["sop_adopted_on"] = date.fromisoformat(fields["sop_adopted_on"])
        profile = CountryProfile.objects.create(country=country, **fields)
        record_event(
            event_type=EventType.COUNTRY_PROFILE_CHANGED,
            actor=None,
            target=profile,
            detail={"country": code, "seed": data["version"]},
        )
        made += 1
    return made
