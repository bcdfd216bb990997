"""The agreement and the text of its versions: create a draft, edit the latest unsigned one."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.agreements.models import Agreement, AgreementParty, AgreementVersion
from opentrm.agreements.services._common import (
    CONTENT_FIELDS,
    HEADER_FIELDS,
    _clean_content,
    _countries,
    _fresh,
    _open_draft,
    _require_editor,
    _scope_error,
    _validate_content,
    _validate_header,
    _validate_officers,
    audit,
)
from opentrm.agreements.states import latest_version
from opentrm.audit.events import EventType
from opentrm.core.concurrency import save_if_unchanged


@transaction.atomic
def agreement_create(
    *, actor: Actor, title: str, type: str, scope: str, content: Mapping[str, Any] | None = None
) -> Agreement:
    """Register a draft agreement: version 1, with the actor's organisation as first party."""
    require(actor, Action.AGREEMENT_EDIT)
    assert actor.membership is not None
    values = _clean_content(dict(content or {}))
    officers = values.pop("designated_officers", None)
    header = {"title": title.strip(), "type": type, "scope": scope}
    errors = _validate_header(header) | _validate_content(values)
    if officers:
        errors["designated_officers"] = _(
            "Add the parties first, then pick their designated officers."
        )
    if errors:
        raise ValidationError(errors)
    agreement = Agreement(registered_by=actor.membership.organisation, updated_by=actor.user)
    for name, value in header.items():
        setattr(agreement, name, value)
    agreement.full_clean()
    agreement.save()
    version = AgreementVersion(agreement=agreement, number=1, created_by=actor.user, **values)
    version.updated_by = actor.user
    version.full_clean()
    version.save()
    AgreementParty.objects.create(version=version, organisation=actor.membership.organisation)
    audit(
        EventType.AGREEMENT_CREATED,
        actor=actor,
        agreement=agreement,
        type=agreement.type,
        scope=agreement.scope,
        party_ids=[actor.membership.organisation_id],
    )
    return agreement


def agreement_errors(
    *, agreement: Agreement | None, values: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Every mistake of an agreement's header and text at once, by field (issue 12 §5): the
    rules ``agreement_create`` and ``agreement_update`` apply (an end before the start, the
    header fixed once signed, a scope the parties' countries do not fit), for a form's
    precheck. Nothing is written; a field not in ``values`` keeps its recorded value."""
    known = _clean_content(
        {name: value for name, value in values.items() if name in {*HEADER_FIELDS, *CONTENT_FIELDS}}
    )
    if agreement is None:
        header = {name: known.pop(name, "") for name in HEADER_FIELDS}
        errors = _validate_header(header) | _validate_content(known)
    else:
        draft = latest_version(agreement)
        header_changes = _header_changes(agreement, known)
        content = {name: value for name, value in known.items() if name not in header_changes}
        merged = {name: getattr(draft, name) for name in CONTENT_FIELDS} | content
        errors = _update_errors(agreement, draft, header_changes, merged)
    return {name: [message] for name, message in errors.items()}


def _header_changes(agreement: Agreement, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: values[name]
        for name in HEADER_FIELDS
        if name in values and values[name] != getattr(agreement, name)
    }


def _update_errors(
    agreement: Agreement,
    draft: AgreementVersion,
    header_changes: Mapping[str, Any],
    merged: Mapping[str, Any],
) -> dict[str, str]:
    """The header fixed once signed, the header's and the text's rules, the scope."""
    errors: dict[str, str] = {}
    if header_changes and draft.number > 1:
        for name in header_changes:
            errors[name] = _("The title, type and scope are fixed once the agreement is signed.")
    merged_header = {**{name: getattr(agreement, name) for name in HEADER_FIELDS}, **header_changes}
    errors |= _validate_header(merged_header) if header_changes else {}
    errors |= _validate_content(merged)
    if "scope" in header_changes and "scope" not in errors:
        problem = _scope_error(header_changes["scope"], _countries(draft), complete=False)
        if problem:
            errors["scope"] = problem
    return errors


@transaction.atomic
def agreement_update(
    *, actor: Actor, agreement: Agreement, expected_version: int, changes: Mapping[str, Any]
) -> AgreementVersion:
    """Change the text of the unsigned latest version; in the first draft also the title,
    type and scope. ``expected_version`` is the version row's lock number from the form."""
    _require_editor(actor, agreement)
    agreement = _fresh(agreement)
    draft = _open_draft(agreement)
    values = _clean_content(changes)
    officers = values.pop("designated_officers", None)
    header_changes = _header_changes(agreement, values)
    for name in header_changes:
        del values[name]
    merged = {name: getattr(draft, name) for name in CONTENT_FIELDS} | values
    errors = _update_errors(agreement, draft, header_changes, merged)
    if errors:
        raise ValidationError(errors)
    if officers is not None:
        _validate_officers(draft, officers)
    changed = [name for name in CONTENT_FIELDS if merged[name] != getattr(draft, name)]
    old_officers = {officer.pk for officer in draft.designated_officers.all()}
    new_officers = {officer.pk for officer in officers} if officers is not None else old_officers
    if new_officers != old_officers:
        changed.append("designated_officers")
    changed.extend(header_changes)
    if expected_version != draft.version:
        save_if_unchanged(draft, expected_version=expected_version, fields=[], actor=actor.user)
    if not changed:
        return draft
    for name in CONTENT_FIELDS:
        setattr(draft, name, merged[name])
    draft.full_clean(exclude=["agreement", "number", "created_by"])
    save_if_unchanged(
        draft,
        expected_version=expected_version,
        fields=[name for name in changed if name in CONTENT_FIELDS],
        actor=actor.user,
    )
    if officers is not None and new_officers != old_officers:
        draft.designated_officers.set(officers)
    if header_changes:
        for name, value in header_changes.items():
            setattr(agreement, name, value)
        agreement.full_clean()
        agreement.updated_by = actor.user
        agreement.save(update_fields=[*header_changes, "updated_by", "updated_at"])
    audit(
        EventType.AGREEMENT_CHANGED,
        actor=actor,
        agreement=agreement,
        changed_fields=changed,
        version=draft.number,
    )
    return draft
