"""Panels that higher apps add to a lower app's page (issue 19).

A lower app may not import a higher one (docs/adr/0009-import-layers.md), so a page that shows
what a higher app knows about its object (a contact's training, a case's meetings) keeps a
``PanelRegistry``; the higher app registers a panel into it from its ``AppConfig.ready()``: a
template and a function giving its context for one reader and one object, or None when the
reader has nothing to see in it. That function decides, through the higher app's own rules,
what the reader may see.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

R = TypeVar("R")  # the reader (accounts.policy.Actor)
T = TypeVar("T")  # the page's object


@dataclass(frozen=True)
class Panel(Generic[R, T]):
    """One panel: ``name`` unique in its registry; ``order`` sorts the panels on the page."""

    name: str
    template: str
    context: Callable[[R, T], Mapping[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    """What a page includes: ``{% include panel.template with panel=panel.context %}``."""

    template: str
    context: Mapping[str, Any]


class PanelRegistry(Generic[R, T]):
    def __init__(self, page: str) -> None:
        self.page = page
        self._panels: dict[str, Panel[R, T]] = {}

    def register(self, panel: Panel[R, T]) -> None:
        if panel.name in self._panels:
            raise ImproperlyConfigured(f"Two panels named {panel.name} on the {self.page} page.")
        self._panels[panel.name] = panel

    def unregister(self, name: str) -> None:
        self._panels.pop(name, None)

    def render(self, reader: R, obj: T) -> list[RenderedPanel]:
        """The panels to show ``reader`` on ``obj``'s page, in order."""
        shown = []
        for panel in sorted(self._panels.values(), key=lambda p: (p.order, p.name)):
            context = panel.context(reader, obj)
            if context is not None:
                shown.append(RenderedPanel(template=panel.template, context=context))
        return shown
