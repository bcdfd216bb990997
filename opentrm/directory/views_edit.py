"""Editing the directory: directory editors change the entries of their own country.

Each view checks the action (``actor_required``), fetches through ``access.py`` with
``action="change"`` (403 for another country's editor, 404 when missing) and saves through
``services.py``; the services validate, lock optimistically and audit.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.forms import raise_errors
from opentrm.core.views import form_view
from opentrm.directory import services
from opentrm.directory.access import (
    access_contact_point,
    access_country,
    access_organisation,
    access_responsibility,
)
from opentrm.directory.forms_edit import (
    ADD_CHANNEL,
    CHANNELS_PREFIX,
    BaseChannelFormSet,
    ContactPointForm,
    OrganisationForm,
    ResponsibilityForm,
    ResponsibilityRemoveForm,
    channel_formset,
    new_channel_row,
)
from opentrm.directory.models import ContactPoint, Organisation


def _back(request: HttpRequest, default: HttpResponseRedirect) -> HttpResponseRedirect:
    """Return to the page the button was on (e.g. the review list) when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return default


def _wants_save(data: QueryDict | None) -> bool:
    """A POST that is not the "add a channel" button (used without JavaScript)."""
    return data is not None and ADD_CHANNEL not in data


def _channel_row(request: HttpRequest) -> HttpResponse:
    """One more blank channel row, appended by htmx, with the formset's new row count."""
    row = new_channel_row(request.GET.get(f"{CHANNELS_PREFIX}-TOTAL_FORMS"))
    if row is None:
        return HttpResponse(status=204)
    channel, number = row
    return render(
        request,
        "directory/contact_point_form.html#new-channel-row",
        {"channel": channel, "number": number},
    )


@actor_required(Action.DIRECTORY_EDIT)
@require_http_methods(["GET", "POST"])
def organisation_create(request: AuthenticatedHttpRequest, country_code: str) -> HttpResponse:
    actor = request.actor
    country = access_country(actor, country_code, action="change")
    form = OrganisationForm(request.POST if request.method == "POST" else None, country=country)
    return form_view(
        request,
        form,
        save=lambda: services.organisation_create(actor=actor, country=country, **form.values()),
        success=lambda organisation: _("“%(name)s” was added.") % {"name": organisation.name},
        done=lambda organisation: redirect("directory:organisation_detail", organisation.pk),
        template="directory/organisation_form.html",
        context={"country": country, "organisation": None},
        precheck=lambda: raise_errors(
            services.organisation_errors(
                country=country, organisation=None, values=form.cleaned_data
            )
        ),
    )


@actor_required(Action.DIRECTORY_EDIT)
@require_http_methods(["GET", "POST"])
def organisation_edit(request: AuthenticatedHttpRequest, organisation_id: int) -> HttpResponse:
    actor = request.actor
    organisation = access_organisation(actor, organisation_id, action="change")
    # The service writes the input onto the object; keep what the page is about.
    name = organisation.name
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        country=organisation.country,
        organisation=organisation,
    )
    return form_view(
        request,
        form,
        save=lambda: services.organisation_update(
            actor=actor,
            organisation=organisation,
            expected_version=form.cleaned_data["version"],
            **form.values(),
        ),
        success=_("Your changes were saved."),
        done=reverse("directory:organisation_detail", args=[organisation.pk]),
        template="directory/organisation_form.html",
        context={
            "country": organisation.country,
            "organisation": organisation,
            "name": name,
        },
        precheck=lambda: raise_errors(
            services.organisation_errors(
                country=organisation.country, organisation=organisation, values=form.cleaned_data
            )
        ),
    )


@actor_required(Action.DIRECTORY_EDIT)
@require_POST
def organisation_verify(request: AuthenticatedHttpRequest, organisation_id: int) -> HttpResponse:
    actor = request.actor
    organisation = access_organisation(actor, organisation_id, action="change")
    services.organisation_verify(actor=actor, organisation=organisation)
    messages.success(
        request, _("“%(name)s” was marked as verified today.") % {"name": organisation.name}
    )
    return _back(request, redirect("directory:organisation_detail", organisation.pk))


def _contact_point_page(
    request: AuthenticatedHttpRequest,
    organisation: Organisation,
    contact_point: ContactPoint | None,
    *,
    save_with: Callable[[ContactPointForm, BaseChannelFormSet], ContactPoint],
    success: str,
    **context: Any,
) -> HttpResponse:
    """The contact point form with its channel rows (a new one when ``contact_point`` is None):
    ``save_with`` calls the service with the form and the channels; a channel's refusal goes
    to its row. After a save the contact point's page opens."""
    if request.htmx and ADD_CHANNEL in request.GET:
        return _channel_row(request)
    data = request.POST if request.method == "POST" else None
    form = ContactPointForm(data, contact_point=contact_point)
    channels = channel_formset(data, contact_point=contact_point)

    def save() -> ContactPoint:
        try:
            return save_with(form, channels)
        except ValidationError as error:
            raise channels.take_errors(error) from None

    return form_view(
        request,
        form,
        formsets=[channels],
        submitted=_wants_save(data),
        save=save,
        success=success,
        done=lambda saved: redirect("directory:contact_point_detail", saved.pk),
        template="directory/contact_point_form.html",
        context={
            "channels": channels,
            "organisation": organisation,
            "contact_point": contact_point,
            **context,
        },
    )


@actor_required(Action.DIRECTORY_EDIT)
@require_http_methods(["GET", "POST"])
def contact_point_create(request: AuthenticatedHttpRequest, organisation_id: int) -> HttpResponse:
    actor = request.actor
    organisation = access_organisation(actor, organisation_id, action="change")
    return _contact_point_page(
        request,
        organisation,
        None,
        save_with=lambda form, channels: services.contact_point_create(
            actor=actor,
            organisation=organisation,
            channels=channels.channel_data(),
            languages=form.cleaned_data["languages"],
            **form.values(),
        ),
        success=_("The contact point was added."),
    )


@actor_required(Action.DIRECTORY_EDIT)
@require_http_methods(["GET", "POST"])
def contact_point_edit(request: AuthenticatedHttpRequest, contact_point_id: int) -> HttpResponse:
    actor = request.actor
    contact_point = access_contact_point(actor, contact_point_id, action="change")

    def save_with(form: ContactPointForm, channels: BaseChannelFormSet) -> ContactPoint:
        services.contact_point_update(
            actor=actor,
            contact_point=contact_point,
            expected_version=form.cleaned_data["version"],
            channels=channels.channel_data(),
            languages=form.cleaned_data["languages"],
            **form.values(),
        )
        return contact_point

    return _contact_point_page(
        request,
        contact_point.organisation,
        contact_point,
        save_with=save_with,
        success=_("Your changes were saved."),
        position=contact_point.position,
    )


@actor_required(Action.DIRECTORY_EDIT)
@require_POST
def contact_point_verify(request: AuthenticatedHttpRequest, contact_point_id: int) -> HttpResponse:
    actor = request.actor
    contact_point = access_contact_point(actor, contact_point_id, action="change")
    services.contact_point_verify(actor=actor, contact_point=contact_point)
    messages.success(request, _("The contact point was marked as verified today."))
    return _back(request, redirect("directory:contact_point_detail", contact_point.pk))


@actor_required(Action.DIRECTORY_EDIT)
@require_http_methods(["GET", "POST"])
def responsibility_create(request: AuthenticatedHttpRequest, country_code: str) -> HttpResponse:
    actor = request.actor
    country = access_country(actor, country_code, action="change")
    if request.method == "POST":
        form = ResponsibilityForm(request.POST, country=country)
    else:
        # Preselect from links such as "assign someone to this row" (codes and ids only).
        form = ResponsibilityForm(
            country=country,
            initial={
                key: request.GET[key] for key in ("function", "organisation") if key in request.GET
            },
        )
    template = "directory/responsibility_form.html"
    if request.htmx and request.method == "GET":
        template += "#contact-point-field"  # the field the chosen organisation changes
    return form_view(
        request,
        form,
        save=lambda: services.responsibility_add(actor=actor, country=country, **form.values()),
        success=_("The responsibility was assigned."),
        done=reverse("directory:country_detail", args=[country.code]),
        template=template,
        context={"country": country},
    )


@actor_required(Action.DIRECTORY_EDIT)
@require_POST
def responsibility_remove(
    request: AuthenticatedHttpRequest, responsibility_id: int
) -> HttpResponse:
    actor = request.actor
    responsibility = access_responsibility(actor, responsibility_id, action="change")
    if not ResponsibilityRemoveForm(request.POST).is_valid():
        return render(request, "errors/400.html", status=400)
    country_code = responsibility.country.code
    services.responsibility_remove(actor=actor, responsibility=responsibility)
    messages.success(request, _("The responsibility was removed."))
    return _back(request, redirect("directory:country_detail", country_code))
