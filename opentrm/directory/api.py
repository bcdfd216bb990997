"""Directory API: the same selectors, access functions and services as the web UI.

Reads are for every member (``directory.view``); writes for directory editors, and only in
their own country (the services check it, so the API cannot do what the UI refuses).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor
from opentrm.core.api import Routes
from opentrm.core.schemas import ErrorOut, PageNumberPagination
from opentrm.directory import schemas, selectors, services
from opentrm.directory.access import access_contact_point, access_country, access_organisation
from opentrm.directory.models import Country, Function, Organisation, Responsibility
from opentrm.directory.selectors import ContactListRow

router = Router(tags=["directory"], auth=member_auth(Action.DIRECTORY_VIEW))
EDITORS = member_auth(Action.DIRECTORY_EDIT)

_READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# 400: a body that is not JSON at all, refused before the schema is looked at.
_WRITE_ERRORS: dict[int, Any] = {**_READ_ERRORS, 400: ErrorOut, 409: ErrorOut}
_read_route = Routes(router, _READ_ERRORS, url_prefix="directory_")
_write_route = Routes(router, _WRITE_ERRORS, url_prefix="directory_")
_write_editors_route = _write_route.having(auth=EDITORS)


def _with_details(actor: Actor, organisation: Organisation) -> Organisation:
    """Attach the contact points and responsibilities the detail shows (fixed query count)."""
    prefetch_related_objects(
        [organisation],
        Prefetch(
            "contact_points",
            queryset=selectors.contact_point_list(actor=actor, organisation=organisation),
            to_attr="api_contact_points",
        ),
        Prefetch(
            "responsibilities",
            queryset=Responsibility.objects.visible_to(actor).order_by("function", "order", "id"),
            to_attr="api_responsibilities",
        ),
    )
    return organisation


def _parent(actor: Actor, parent_id: int | None) -> Organisation | None:
    if parent_id is None:
        return None
    parent = Organisation.objects.visible_to(actor).filter(pk=parent_id).first()
    if parent is None:
        raise ValidationError({"parent": _("There is no organisation with this id.")})
    return parent


def _country(code: str) -> Country:
    country = Country.objects.filter(code=code).first()
    if country is None:
        raise ValidationError({"country": _("This country is not in the directory.")})
    return country


# --- reads -------------------------------------------------------------------------------------


@_read_route("GET", "/countries", list[schemas.CountryOut], "directory_countries")
def country_list(request: HttpRequest) -> Any:
    """Countries, with the number of organisations in each"""
    return selectors.country_list(actor=acting(request))


@_read_route("GET", "/countries/{code}/contact-list", list[schemas.ContactListRowOut])
def contact_list(request: HttpRequest, code: str, function: Query[Function | None] = None) -> Any:
    """A country's contact list: who answers for each TRM procedure and function"""
    actor = acting(request)
    country = access_country(actor, code)
    rows: list[ContactListRow] = selectors.contact_list(
        actor=actor, country=country, functions=[function] if function else None
    )
    return rows


@_read_route("GET", "/organisations", list[schemas.OrganisationOut], "directory_organisations")
@paginate(PageNumberPagination, max_page_size=200)
def organisation_list(request: HttpRequest, filters: Query[schemas.OrganisationFilters]) -> Any:
    """Search organisations"""
    return selectors.organisation_list(
        actor=acting(request),
        text=filters.q,
        country_code=filters.country or "",
        organisation_type=filters.type.value if filters.type else "",
        city=filters.city,
        language=filters.language or "",
        function=filters.function.value if filters.function else "",
    )


@_read_route(
    "GET",
    "/organisations/{organisation_id}",
    schemas.OrganisationDetailOut,
    "directory_organisation",
)
def organisation_detail(request: HttpRequest, organisation_id: int) -> Any:
    """One organisation with its contact points and responsibilities"""
    actor = acting(request)
    return _with_details(actor, access_organisation(actor, organisation_id))


@_read_route(
    "GET", "/contact-points/{contact_point_id}", schemas.ContactPointOut, "directory_contact_point"
)
def contact_point_detail(request: HttpRequest, contact_point_id: int) -> Any:
    """One contact point with its channels and languages"""
    return access_contact_point(acting(request), contact_point_id)


# --- writes (directory editors of the country) -------------------------------------------------


@_write_editors_route("POST", "/organisations", schemas.OrganisationDetailOut, status=201)
def organisation_create(request: HttpRequest, payload: schemas.OrganisationIn) -> Any:
    """Add an organisation (editors of its country)"""
    actor = acting(request)
    values = payload.values(exclude={"country", "parent"})
    organisation = services.organisation_create(
        actor=actor,
        country=_country(payload.country),
        parent=_parent(actor, payload.parent),
        **values,
    )
    return Status(201, _with_details(actor, access_organisation(actor, organisation.pk)))


@_write_editors_route("PATCH", "/organisations/{organisation_id}", schemas.OrganisationDetailOut)
def organisation_update(
    request: HttpRequest, organisation_id: int, payload: schemas.OrganisationPatch
) -> Any:
    """Change an organisation (send the version you read)"""
    actor = acting(request)
    organisation = access_organisation(actor, organisation_id, action="change")
    values = payload.values(exclude={"version", "parent"}, sent_only=True)
    if "parent" in payload.model_fields_set:
        values["parent"] = _parent(actor, payload.parent)
    services.organisation_update(
        actor=actor, organisation=organisation, expected_version=payload.version, **values
    )
    return _with_details(actor, access_organisation(actor, organisation_id))


@_write_editors_route(
    "POST", "/organisations/{organisation_id}/verify", schemas.OrganisationDetailOut
)
def organisation_verify(request: HttpRequest, organisation_id: int) -> Any:
    """Confirm today that the organisation's entry is correct"""
    actor = acting(request)
    organisation = access_organisation(actor, organisation_id, action="change")
    services.organisation_verify(actor=actor, organisation=organisation)
    return _with_details(actor, access_organisation(actor, organisation_id))


@_write_editors_route(
    "POST", "/organisations/{organisation_id}/contact-points", schemas.ContactPointOut, status=201
)
def contact_point_create(
    request: HttpRequest, organisation_id: int, payload: schemas.ContactPointIn
) -> Any:
    """Add a contact point to an organisation"""
    actor = acting(request)
    organisation = access_organisation(actor, organisation_id, action="change")
    contact_point = services.contact_point_create(
        actor=actor,
        organisation=organisation,
        channels=[channel.as_data() for channel in payload.channels],
        languages=payload.languages,
        **payload.values(exclude={"channels", "languages"}),
    )
    return Status(201, access_contact_point(actor, contact_point.pk))


@_write_editors_route("PATCH", "/contact-points/{contact_point_id}", schemas.ContactPointOut)
def contact_point_update(
    request: HttpRequest, contact_point_id: int, payload: schemas.ContactPointPatch
) -> Any:
    """Change a contact point (send the version you read)"""
    actor = acting(request)
    contact_point = access_contact_point(actor, contact_point_id, action="change")
    services.contact_point_update(
        actor=actor,
        contact_point=contact_point,
        expected_version=payload.version,
        channels=None if payload.channels is None else [c.as_data() for c in payload.channels],
        languages=payload.languages,
        **payload.values(exclude={"version", "channels", "languages"}, sent_only=True),
    )
    return access_contact_point(actor, contact_point_id)  # fresh channels


@_write_editors_route("POST", "/contact-points/{contact_point_id}/verify", schemas.ContactPointOut)
def contact_point_verify(request: HttpRequest, contact_point_id: int) -> Any:
    """Confirm today that the contact point's entry is correct"""
    actor = acting(request)
    contact_point = access_contact_point(actor, contact_point_id, action="change")
    services.contact_point_verify(actor=actor, contact_point=contact_point)
    return access_contact_point(actor, contact_point_id)  # fresh channels
