"""Editing the directory (directory editors of the country). Work in progress."""
from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


organisation_create = organisation_edit = organisation_verify = _todo
contact_point_create = contact_point_edit = contact_point_verify = _todo
responsibility_create = responsibility_remove = _todo
