"""Where every directory list starts: ``visible_to(actor)``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Protocol

from django.db import models
from django.db.models import Prefetch, Q

if TYPE_CHECKING:
    from opentrm.directory.models import (  # noqa: F401 (used in string annotations)
        ContactPoint,
        Organisation,
        Responsibility,
    )


class DirectoryReader(Protocol):
    """The part of ``accounts.policy.Actor`` that directory lists need."""

    @property
    def is_member(self) -> bool: ...

    def directory_editable_country_ids(self) -> frozenset[int]: ...


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, actor: DirectoryReader | None) -> OrganisationQuerySet:
        """Members see active entries everywhere, and inactive ones where they edit."""
        if actor is None or not actor.is_member:
            return self.none()
        editable = actor.directory_editable_country_ids()
        return self.filter(Q(is_active=True) | Q(country_id__in=editable))

    def search(self, text: str) -> OrganisationQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(acronym__icontains=text)
            | Q(city__icontains=text)
            | Q(region__icontains=text)
        )

    def stale(self, cutoff: date) -> OrganisationQuerySet:
        return self.filter(Q(last_verified_at__lt=cutoff) | Q(last_verified_at__isnull=True))


class ContactPointQuerySet(models.QuerySet["ContactPoint"]):
    def visible_to(self, actor: DirectoryReader | None) -> ContactPointQuerySet:
        if actor is None or not actor.is_member:
            return self.none()
        editable = actor.directory_editable_country_ids()
        return self.filter(
            (Q(is_active=True) & Q(organisation__is_active=True))
            | Q(organisation__country_id__in=editable)
        )

    def search(self, text: str) -> ContactPointQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(position__icontains=text)
            | Q(person_name__icontains=text)
            | Q(unit__icontains=text)
            | Q(organisation__name__icontains=text)
        )

    def stale(self, cutoff: date) -> ContactPointQuerySet:
        return self.filter(Q(last_verified_at__lt=cutoff) | Q(last_verified_at__isnull=True))

    def with_details(self) -> ContactPointQuerySet:
        return self.select_related("organisation", "organisation__country").prefetch_related(
            "channels", "languages"
        )


class ResponsibilityQuerySet(models.QuerySet["Responsibility"]):
    def visible_to(self, actor: DirectoryReader | None) -> ResponsibilityQuerySet:
        if actor is None or not actor.is_member:
            return self.none()
        editable = actor.directory_editable_country_ids()
        return self.filter(Q(organisation__is_active=True) | Q(country_id__in=editable))

    def with_details(self) -> ResponsibilityQuerySet:
        from opentrm.directory.models import ContactPoint

        return self.select_related(
            "organisation", "organisation__parent", "contact_point"
        ).prefetch_related(
            Prefetch("contact_point__channels"),
            Prefetch("contact_point__languages"),
            Prefetch(
                "organisation__contact_points",
                queryset=ContactPoint.objects.filter(is_active=True).prefetch_related(
                    "channels", "languages"
                ),
                to_attr="active_contact_points",
            ),
        )
