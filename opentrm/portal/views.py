"""The public pages of the portal: no session is read, so they are cacheable, and they are
plain HTML (no JavaScript needed). The language is in the path, never taken from a cookie, so
one URL always gives the same page and a shared cache may keep it.

The pages are rendered without the request (no context processors, no CSRF token, no user):
anything that would read the session cannot slip into them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from opentrm.accounts.session import current_actor
from opentrm.cases.services.case_settings import effective_measures
from opentrm.catalogue.loader import load_catalogue
from opentrm.directory.models import Country
from opentrm.directory.reference import country_name
from opentrm.portal import access, selectors, services
from opentrm.portal.models import CountryProfile, Visibility
from opentrm.portal.search import glossary_matches, portal_search

PUBLIC_MAX_AGE = 300  # seconds a browser or a shared cache may keep a public page


def _switcher(request: HttpRequest, language: str) -> list[dict[str, str]]:
    """Links to this page in every shipped language (plain links: no form, no JavaScript)."""
    prefix = f"/portal/{language}/"
    path = request.path
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code, name in settings.LANGUAGES:
        url = path.replace(prefix, f"/portal/{code}/", 1) if path.startswith(prefix) else path
        links.append({"code": code, "name": name, "url": url + (f"?{query}" if query else "")})
    return links


def public_cache_control(request: HttpRequest) -> str:
    """Shared caches may keep a public page, unless the request carries a session cookie: the
    session middleware may refresh that cookie on the answer (SessionRenewalMiddleware), and
    an answer with someone's Set-Cookie must never sit in a shared cache. The page is the
    same either way; only the cookie's presence is looked at, the session is not read."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return f"private, max-age={PUBLIC_MAX_AGE}"
    return f"public, max-age={PUBLIC_MAX_AGE}"


def public_page(
    request: HttpRequest, language: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    """A public page in ``language``: cacheable, and never touching the session."""
    with translation.override(language):
        html = render_to_string(
            template,
            {
                **context,
                "language": language,
                "languages": _switcher(request, language),
                "node_name": settings.OPENTRM_NODE_NAME,
                "today": timezone.localdate(),
            },
        )
    response = HttpResponse(html)
    response["Cache-Control"] = public_cache_control(request)
    response["Content-Language"] = language
    return response


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:200]


@require_GET
def home(request: HttpRequest, language: str) -> HttpResponse:
    return public_page(request, language, "portal/home.html", {"sops": load_catalogue().sops})


@require_GET
def glossary(request: HttpRequest, language: str) -> HttpResponse:
    query = _query(request)
    texts = (
        glossary_matches(query, language)
        if query
        else selectors.glossary_texts(language).order_by("name")
    )
    return public_page(
        request, language, "portal/glossary.html", {"texts": list(texts), "query": query}
    )


@require_GET
def glossary_term(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    term = selectors.public_term(slug)
    return public_page(
        request, language, "portal/glossary_term.html", selectors.term_context(term, language)
    )


@require_GET
def sop_list(request: HttpRequest, language: str) -> HttpResponse:
    return public_page(request, language, "portal/sop_list.html", {"sops": load_catalogue().sops})


@require_GET
def sop_guide(request: HttpRequest, language: str, sop: str) -> HttpResponse:
    """One SOP's measures as WHAT / WHEN / WHO / HOW; ``?country=AL`` adds the national variant
    (the country's names, its own measures and its guidance, from its case settings)."""
    try:
        procedure = load_catalogue().sop(sop)
    except KeyError:
        raise Http404 from None
    code = request.GET.get("country", "").upper()
    country = Country.objects.filter(code=code).first() if code else None
    with translation.override(language):
        measures = [m for m in effective_measures(country) if m.sop_code == procedure.code]
        country_label = country_name(country.code) if country else ""
    return public_page(
        request,
        language,
        "portal/sop_guide.html",
        {
            "sop": procedure,
            "measures": measures,
            "country": country,
            "country_label": country_label,
            "countries": list(Country.objects.filter(is_trm_participant=True).order_by("code")),
        },
    )


@require_GET
def country_list(request: HttpRequest, language: str) -> HttpResponse:
    profiles = CountryProfile.objects.filter(visibility=Visibility.PUBLIC).select_related("country")
    return public_page(
        request,
        language,
        "portal/country_list.html",
        {"profiles": list(profiles), "names": selectors.country_names(language)},
    )


@require_GET
def country_profile(request: HttpRequest, language: str, code: str) -> HttpResponse:
    """The public parts of a country's profile; the contacts are on the members' page."""
    profile = (
        CountryProfile.objects.filter(country__code=code.upper(), visibility=Visibility.PUBLIC)
        .select_related("country")
        .first()
    )
    if profile is None:
        raise Http404
    return public_page(
        request,
        language,
        "portal/country_profile.html",
        {"profile": profile, "name": selectors.country_names(language).get(profile.country.code)},
    )


@require_GET
def library(request: HttpRequest, language: str) -> HttpResponse:
    items = selectors.resource_list(actor=None, filters=request.GET)
    return public_page(
        request,
        language,
        "portal/library.html",
        {"items": items, **selectors.library_filters(request.GET)},
    )


@require_GET
def search(request: HttpRequest, language: str) -> HttpResponse:
    query = _query(request)
    hits = portal_search(query, language, None) if query else []
    return public_page(request, language, "portal/search.html", {"query": query, "hits": hits})


@require_GET
def resource_file(request: HttpRequest, resource_id: int) -> HttpResponseBase:
    """A library item's file or link. A public one is served to anyone without reading the
    session (and may be cached); any other only to those who may see it, audited."""
    resource = access.public_resource(resource_id)
    actor = None
    if resource is None:
        actor = current_actor(request)
        if actor is None or not actor.is_member:
            raise Http404
        resource = access.access_resource(actor, resource_id)
        services.resource_download_record(actor=actor, resource=resource)
    response: HttpResponseBase
    if not resource.file:
        if resource.url:
            response = HttpResponse(status=302)
            response["Location"] = resource.url
        else:
            raise Http404
    else:
        response = FileResponse(
            resource.file.open("rb"),
            as_attachment=True,
            filename=resource.original_name or f"item-{resource.pk}",
            content_type=resource.content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = (
        public_cache_control(request) if actor is None else "no-store, private"
    )
    return response


def home_url(language: str) -> str:
    return reverse("portal:home", args=[language])
