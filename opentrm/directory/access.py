"""Fetching one directory object for an actor: 404 when missing or not visible, 403 when the
actor may see it but not change it."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opentrm.accounts.policy import Action, Actor
from opentrm.directory.models import ContactPoint, Country, Organisation, Responsibility

Intent = Literal["view", "change"]


def access_country(actor: Actor, code: str, *, action: Intent = "view") -> Country:
    if not actor.may(Action.DIRECTORY_VIEW):
        raise Http404
    country = Country.objects.filter(code=code.upper()).first()
    if country is None:
        raise Http404
    if action == "change" and not actor.may_edit_directory_of(country.pk):
        raise PermissionDenied
    return country


def access_organisation(
    actor: Actor, organisation_id: int, *, action: Intent = "view"
) -> Organisation:
    organisation: Organisation | None = (
        Organisation.objects.visible_to(actor)
        .select_related("country", "parent", "last_verified_by", "updated_by")
        .filter(pk=organisation_id)
        .first()
    )
    if organisation is None:
        raise Http404
    if action == "change" and (
        organisation.is_mirrored or not actor.may_edit_directory_of(organisation.country_id)
    ):
        raise PermissionDenied  # another node's entry is a read-only copy
    return organisation


def access_contact_point(
    actor: Actor, contact_point_id: int, *, action: Intent = "view"
) -> ContactPoint:
    contact_point: ContactPoint | None = (
        ContactPoint.objects.visible_to(actor).with_details().filter(pk=contact_point_id).first()
    )
    if contact_point is None:
        raise Http404
    if action == "change" and (
        contact_point.organisation.is_mirrored
        or not actor.may_edit_directory_of(contact_point.organisation.country_id)
    ):
        raise PermissionDenied
    return contact_point


def access_responsibility(
    actor: Actor, responsibility_id: int, *, action: Intent = "view"
) -> Responsibility:
    responsibility = (
        Responsibility.objects.visible_to(actor)
        .select_related("country", "organisation")
        .filter(pk=responsibility_id)
        .first()
    )
    if responsibility is None:
        raise Http404
    if action == "change" and (
        responsibility.organisation.is_mirrored
        or not actor.may_edit_directory_of(responsibility.country_id)
    ):
        raise PermissionDenied
    return responsibility
