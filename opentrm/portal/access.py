"""Who may read and change the portal's content; the portal's rules of ``accounts.policy``.

Public content needs no actor at all: the public pages never read the session. Everything
else asks here: 404 for "missing" and "not yours" alike, 403 for "yours to see, not to change".
"""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opentrm.accounts.policy import Action, Actor, can, rule
from opentrm.directory.models import Country
from opentrm.portal.models import CountryProfile, GlossaryTerm, NationalTerm, Resource, Visibility

Intent = Literal["view", "change"]


@rule(Action.PORTAL_EDIT, CountryProfile)
def _edit_profile(actor: Actor, profile: CountryProfile) -> bool:
    """The country's own editors: its directory editors and national coordinators."""
    return actor.may(Action.PORTAL_EDIT) and actor.country_id == profile.country_id


@rule(Action.PORTAL_EDIT, NationalTerm)
def _edit_national_term(actor: Actor, national: NationalTerm) -> bool:
    """What a country's law calls a term: that country's editors."""
    return actor.may(Action.PORTAL_EDIT) and actor.country_id == national.country_id


@rule(Action.PORTAL_EDIT, Resource)
def _edit_resource(actor: Actor, resource: Resource) -> bool:
    """Editors of the owner organisation."""
    return actor.may(Action.PORTAL_EDIT) and actor.organisation_id == resource.owner_id


@rule(Action.RESOURCE_VIEW, Resource)
def _view_resource(actor: Actor, resource: Resource) -> bool:
    """As ``Resource.objects.visible_to``: public, any member, or the named organisations."""
    if resource.visibility == Visibility.PUBLIC:
        return True
    if not actor.is_member:
        return False
    if resource.visibility == Visibility.MEMBERS or actor.organisation_id == resource.owner_id:
        return True
    org = actor.organisation_id
    return org is not None and resource.organisations.filter(pk=org).exists()


def public_resource(resource_id: int) -> Resource | None:
    """The live public item, or None: what a visitor without a session may fetch."""
    return Resource.objects.live().filter(pk=resource_id, visibility=Visibility.PUBLIC).first()


def access_resource(actor: Actor, resource_id: int, *, action: Intent = "view") -> Resource:
    resource = Resource.objects.live().select_related("owner", "country").filter(pk=resource_id)
    found = resource.first()
    if found is None or not can(actor, Action.RESOURCE_VIEW, found):
        raise Http404
    if action == "change" and not can(actor, Action.PORTAL_EDIT, found):
        raise PermissionDenied
    return found


def access_profile(actor: Actor, code: str, *, action: Intent = "view") -> CountryProfile:
    """A country's profile for a member; made (empty) on first use for a listed country."""
    if not actor.may(Action.DIRECTORY_VIEW):
        raise Http404
    country = Country.objects.filter(code=code.upper()).first()
    if country is None:
        raise Http404
    profile = CountryProfile.objects.filter(country=country).first()
    if profile is None:
        profile = CountryProfile(country=country)
    if action == "change" and not can(actor, Action.PORTAL_EDIT, profile):
        raise PermissionDenied
    return profile


def may_edit_profile(actor: Actor | None, profile: CountryProfile) -> bool:
    return actor is not None and can(actor, Action.PORTAL_EDIT, profile)


def may_add_resource(actor: Actor | None) -> bool:
    return actor is not None and actor.may(Action.PORTAL_EDIT)


def access_term(actor: Actor, slug: str) -> GlossaryTerm:
    """A glossary term for a member (any visibility: members read every term)."""
    if not actor.may(Action.DIRECTORY_VIEW):
        raise Http404
    term = GlossaryTerm.objects.filter(slug=slug).first()
    if term is None:
        raise Http404
    return term


def access_national_term(actor: Actor, national_id: int) -> NationalTerm:
    """A national term the actor may change: 404 when missing, 403 for another country's."""
    national = NationalTerm.objects.select_related("country", "term").filter(pk=national_id)
    found = national.first()
    if found is None:
        raise Http404
    if not can(actor, Action.PORTAL_EDIT, found):
        raise PermissionDenied
    return found


def may_edit_resource(actor: Actor, resource: Resource) -> bool:
    return can(actor, Action.PORTAL_EDIT, resource)
