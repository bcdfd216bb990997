"""The portal's pages for logged-in members: the library with restricted items, adding an
item, a country's focal contacts (from the directory, never public) and editing the profile."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.forms import Form, cleaned, edited, raise_errors
from opentrm.core.views import action_view, form_view
from opentrm.portal import access, selectors, services
from opentrm.portal.forms import (
    NationalTermForm,
    ProfileForm,
    ResourceDeleteForm,
    ResourceForm,
    VersionForm,
)
from opentrm.portal.models import CountryProfile, Resource
from opentrm.portal.search import portal_search
from opentrm.referrals.models import ReferralKind


def _language() -> str:
    return (get_language() or "en").split("-")[0]


def _pairs() -> list[str]:
    codes = [code for code, _name in settings.LANGUAGES]
    return [f"{a}-{b}" for a in codes for b in codes if a != b]


@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def member_library(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "portal/member_library.html",
        {
            "items": (items := selectors.resource_list(actor=actor, filters=request.GET)),
            "editable": {item.pk for item in items if access.may_edit_resource(actor, item)},
            **selectors.library_filters(request.GET),
            "may_add": access.may_add_resource(actor),
            "pairs": _pairs(),
            "request_kinds": [(kind.value, kind.label) for kind in ReferralKind.requests()],
            "language": _language(),
            "today": timezone.localdate(),
        },
    )


@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def member_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    hits = portal_search(query, _language(), request.actor) if query else []
    return render(request, "portal/member_search.html", {"query": query, "hits": hits})


@require_http_methods(["GET", "POST"])
@actor_required(Action.PORTAL_EDIT)
def resource_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form = ResourceForm(request.POST or None, request.FILES or None)

    def save() -> object:
        return services.resource_add(
            actor=actor,
            upload=form.cleaned_data["file"],
            **cleaned(
                form,
                "kind",
                "title",
                "language",
                "description",
                "country",
                "url",
                "visibility",
                "organisations",
                "reviewed_on",
            ),
        )

    return form_view(
        request,
        form,
        save=save,
        done=reverse("portal:member_library"),
        template="portal/resource_form.html",
        success=_("The item was added to the library."),
        precheck=lambda: raise_errors(services.resource_errors(form.cleaned_data)),
    )


@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def country_contacts(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The whole profile for members, with the focal point and coordinator (audited read)."""
    actor = request.actor
    profile = access.access_profile(actor, code)
    contacts = selectors.country_contacts(profile.country)
    record_event(
        event_type=EventType.COUNTRY_CONTACTS_VIEWED,
        actor=actor,
        target=profile.country,
        detail={"responsibilities": [r.pk for r in contacts]},
    )
    return render(
        request,
        "portal/country_contacts.html",
        {
            "profile": profile,
            "contacts": contacts,
            "name": selectors.country_names(_language()).get(profile.country.code),
            "may_edit": access.may_edit_profile(actor, profile),
            "language": _language(),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.PORTAL_EDIT)
def profile_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    actor = request.actor
    profile = access.access_profile(actor, code, action="change")
    initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial={**initial, "version": profile.version})

    def save() -> CountryProfile:
        values = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
        return services.profile_update(
            actor=actor,
            profile=profile,
            values=values,
            expected_version=form.cleaned_data["version"],
        )

    return form_view(
        request,
        form,
        save=save,
        done=reverse("portal:country_contacts", args=[profile.country.code]),
        template="portal/profile_form.html",
        context={"profile": profile, "name": profile.country.code},
        success=_("The profile was saved; its review date is today."),
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.PORTAL_EDIT)
def national_terms(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The national terms of one glossary term; editors add their own country's."""
    actor = request.actor
    term = access.access_term(actor, slug)
    form = NationalTermForm(request.POST or None, initial={"language": _language()})

    def save() -> object:
        return services.national_term_add(
            actor=actor,
            term=term,
            **cleaned(form, "name", "language", "is_legal_term", "legal_reference"),
        )

    url = reverse("portal:national_terms", args=[term.slug])
    return form_view(
        request,
        form,
        save=save,
        done=url,
        template="portal/national_terms.html",
        context=lambda: {
            "term": term,
            "text": term.texts.filter(language=_language()).first(),
            "rows": selectors.national_rows(actor, term),
        },
        success=_("The national term was added."),
    )


@require_http_methods(["POST"])
@actor_required(Action.PORTAL_EDIT)
def national_term_remove(request: AuthenticatedHttpRequest, national_id: int) -> HttpResponse:
    actor = request.actor
    national = access.access_national_term(actor, national_id)
    return action_view(
        request,
        Form(request.POST),
        save=lambda: services.national_term_remove(actor=actor, national=national),
        done=reverse("portal:national_terms", args=[national.term.slug]),
        success=_("The national term was removed."),
    )


def _resource_action(
    request: AuthenticatedHttpRequest,
    resource_id: int,
    form: BaseForm,
    save: Callable[[Resource], object],
    *,
    success: str,
    incomplete: str | None = None,
) -> HttpResponse:
    """A button on a library item its editors may change, then back to the library."""
    resource = access.access_resource(request.actor, resource_id, action="change")
    return action_view(
        request,
        form,
        save=lambda: save(resource),
        done=reverse("portal:member_library"),
        success=success,
        incomplete=incomplete,
    )


@require_http_methods(["POST"])
@actor_required(Action.PORTAL_EDIT)
def resource_review(request: AuthenticatedHttpRequest, resource_id: int) -> HttpResponse:
    form = VersionForm(request.POST)
    return _resource_action(
        request,
        resource_id,
        form,
        lambda resource: services.resource_review(
            actor=request.actor, resource=resource, expected_version=form.cleaned_data["version"]
        ),
        success=_("The item's review date is today."),
    )


@require_http_methods(["POST"])
@actor_required(Action.PORTAL_EDIT)
def resource_delete(request: AuthenticatedHttpRequest, resource_id: int) -> HttpResponse:
    form = ResourceDeleteForm(request.POST)
    return _resource_action(
        request,
        resource_id,
        form,
        lambda resource: services.resource_delete(
            actor=request.actor,
            resource=resource,
            **edited(form, "reason"),
        ),
        success=_("The item was taken out of the library."),
        incomplete=_("Say why the item is taken out of the library."),
    )
