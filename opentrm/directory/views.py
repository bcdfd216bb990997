"""Browsing the directory: countries, a country's contact list, search, details, review."""

from dataclasses import asdict
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.directory import federation, selectors
from opentrm.directory.access import access_contact_point, access_country, access_organisation
from opentrm.directory.forms import ProcedureFilterForm, SearchForm
from opentrm.directory.models import Country, DirectorySource, Function, Language
from opentrm.directory.panels import contact_panels
from opentrm.directory.selectors import SearchFilters

PAGE_SIZE = 50


@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    countries = selectors.country_list(actor=actor)
    return render(request, "directory/home.html", {"countries": countries})


def _entry_page(
    request: AuthenticatedHttpRequest,
    template: str,
    country_id: int,
    *,
    read_only: bool = False,
    **context: Any,
) -> HttpResponse:
    """A page of the directory's entries in one country: whether the actor may edit them and
    when an entry counts as unreviewed come with the page's own ``context``. Another node's
    entry (``read_only``) is edited by nobody here."""
    return render(
        request,
        template,
        {
            **context,
            "may_edit": not read_only and request.actor.may_edit_directory_of(country_id),
            "review_cutoff": selectors.review_cutoff(),
        },
    )


@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def country_detail(request: AuthenticatedHttpRequest, country_code: str) -> HttpResponse:
    actor = request.actor
    country = access_country(actor, country_code)
    form = ProcedureFilterForm(request.GET or None)
    functions = None
    if form.is_valid() and form.cleaned_data["function"]:
        functions = [Function(form.cleaned_data["function"])]
    rows = selectors.contact_list(actor=actor, country=country, functions=functions)
    return _entry_page(
        request,
        "directory/country_detail.html",
        country.pk,
        country=country,
        rows=rows,
        form=form,
        function=functions[0].value if functions else "",
        sources=DirectorySource.objects.filter(country=country).order_by("node_id"),
    )


def search_filters(request: AuthenticatedHttpRequest) -> tuple[SearchForm, SearchFilters]:
    """The search form from the query string and the filters it gives (none when invalid);
    the search page and its export read the same ones."""
    countries = [(c.code, c.name) for c in Country.objects.order_by("code")]
    languages = sorted(
        ((lang.code, lang.name) for lang in Language.objects.all()), key=lambda p: p[1]
    )
    form = SearchForm(request.GET or None, countries=countries, languages=languages)
    if not form.is_valid():
        return form, SearchFilters()
    data = form.cleaned_data
    return form, SearchFilters(
        text=data["q"],
        country_code=data["country"],
        organisation_type=data["type"],
        city=data["city"],
        language=data["language"],
        function=data["function"],
    )


@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form, filters = search_filters(request)
    values = asdict(filters)
    organisations = selectors.organisation_list(actor=actor, **values)
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    contact_points = selectors.contact_point_search(actor=actor, **values)[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("page", None)
    template = "directory/search.html#results" if request.htmx else "directory/search.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "contact_points": contact_points,
            "query": query.urlencode(),
            "review_cutoff": selectors.review_cutoff(),
        },
    )


@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def organisation_detail(request: AuthenticatedHttpRequest, organisation_id: int) -> HttpResponse:
    actor = request.actor
    organisation = access_organisation(actor, organisation_id)
    return _entry_page(
        request,
        "directory/organisation_detail.html",
        organisation.country_id,
        read_only=organisation.is_mirrored,
        source=federation.source_of(organisation),
        organisation=organisation,
        contact_points=selectors.contact_point_list(actor=actor, organisation=organisation),
        responsibilities=organisation.responsibilities.select_related("contact_point").order_by(
            "function", "order"
        ),
        units=organisation.units.visible_to(actor).order_by("name"),
    )


@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def contact_point_detail(request: AuthenticatedHttpRequest, contact_point_id: int) -> HttpResponse:
    contact_point = access_contact_point(request.actor, contact_point_id)
    return _entry_page(
        request,
        "directory/contact_point_detail.html",
        contact_point.organisation.country_id,
        read_only=contact_point.organisation.is_mirrored,
        contact_point=contact_point,
        panels=contact_panels.render(request.actor, contact_point),
    )


@require_GET
@actor_required(Action.DIRECTORY_EDIT)
def review(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Entries of the editor's country not verified within the review age."""
    actor = request.actor
    cutoff = selectors.review_cutoff()
    organisations = selectors.stale_organisations(actor=actor, cutoff=cutoff).filter(
        country_id=request.membership.organisation.country_id
    )
    contact_points = selectors.stale_contact_points(actor=actor, cutoff=cutoff).filter(
        organisation__country_id=request.membership.organisation.country_id
    )
    return render(
        request,
        "directory/review.html",
        {
            "cutoff": cutoff,
            "organisations": Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page")),
            "contact_points": Paginator(contact_points, PAGE_SIZE).get_page(
                request.GET.get("cpage")
            ),
        },
    )
