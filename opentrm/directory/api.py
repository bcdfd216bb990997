"""Directory API. Work in progress."""

from ninja import Router

router = Router(tags=["directory"])
