"""Import and export of contact lists. Work in progress."""
from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


contacts_import = contacts_export = _todo
