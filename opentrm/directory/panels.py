"""Panels that higher apps add to a contact's directory page (the training register, issue 19).

The directory sits below those apps (docs/adr/0009-import-layers.md) and must not import them,
so they register a panel here from their ``AppConfig.ready()``: a template and a function that
gives its context for one contact and one reader, or None when the reader has nothing to see in
it. The panel's function decides what the reader may see (through the app's own access rules).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from opentrm.accounts.policy import Actor
from opentrm.directory.models import ContactPoint

PanelContext = Callable[[Actor, ContactPoint], Mapping[str, Any] | None]


@dataclass(frozen=True)
class ContactPanel:
    """One registered panel: ``name`` is unique; ``order`` sorts the panels on the page."""

    name: str
    template: str
    context: PanelContext
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    template: str
    context: Mapping[str, Any]


_PANELS: dict[str, ContactPanel] = {}


def register_contact_panel(panel: ContactPanel) -> None:
    if panel.name in _PANELS:
        raise ImproperlyConfigured(f"Two contact panels named {panel.name}.")
    _PANELS[panel.name] = panel


def contact_panels(actor: Actor, contact_point: ContactPoint) -> list[RenderedPanel]:
    """The panels to show ``actor`` on ``contact_point``'s page, in order."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(actor, contact_point)
        if context is not None:
            shown.append(RenderedPanel(template=panel.template, context=context))
    return shown
