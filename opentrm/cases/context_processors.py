"""The main navigation, with what it may offer from the case file's own permissions
(``cases.access``): rules that need more than an action of the policy, such as the
organisation's type."""

import re
from collections.abc import Callable
from functools import cache

from django.http import HttpRequest
from django.template.loader import get_template
from django.utils.safestring import SafeString

from opentrm.accounts.context_processors import Permissions
from opentrm.accounts.session import current_actor
from opentrm.cases.access import may_record_labour_inspection
from opentrm.core.fragments import fragment

MAIN_NAV = "components/main_nav.html"


@cache
def _nav_actions() -> tuple[str, ...]:
    """The actions the navigation asks about (``can.X`` in its template): its cache key."""
    source = get_template(MAIN_NAV).template.source  # type: ignore[attr-defined]
    return tuple(sorted(set(re.findall(r"\bcan\.([A-Z_]+)", source))))


def navigation(request: HttpRequest) -> dict[str, object]:
    """``main_nav``: the navigation's links the actor may follow, rendered when a page prints
    it, once per process for each set of answers (``core.fragments``); ``may_labour``: the
    labour inspections screens (/cases/labour/) are the actor's to use: a member of a labour
    inspectorate whose role registers cases."""
    current = current_actor(request)
    may_labour = bool(current and may_record_labour_inspection(current))

    def main_nav() -> SafeString:
        can = Permissions(current)
        asked = {name: can[name] for name in _nav_actions()}
        return fragment(
            MAIN_NAV,
            (may_labour, tuple(asked.values())),
            lambda: {"may_labour": may_labour, "can": asked},
        )

    printed: Callable[[], SafeString] = main_nav  # a template calls it: {{ main_nav }}
    return {"may_labour": may_labour, "main_nav": printed}
