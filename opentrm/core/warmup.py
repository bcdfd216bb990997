"""Start-up of a serving process: load once what every request needs, then take the objects
made so far out of the garbage collector's way.

CPython's full collection walks every tracked object. A loaded node holds a few hundred thousand
(the models, the URLconf and the views it imports, the template engine, the translation
catalogues) and a page allocates enough to trigger a full collection every request or two:
about 40 ms of a case list's time went there (profiled at 20,000 cases). ``gc.freeze()`` moves
the objects made at start-up to a permanent generation that collections skip; they live as long
as the process anyway. What requests make is collected as before.
"""

import gc

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm_and_freeze() -> None:
    """Import every view (the URLconf), load each offered language's catalogue, collect what
    start-up left behind, and freeze the rest (docs/deployment.md, "Serving")."""
    get_resolver().url_patterns  # noqa: B018 - imports the view modules
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Cases")
    gc.collect()
    gc.freeze()
