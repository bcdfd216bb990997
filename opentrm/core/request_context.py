"""The id of the request being served, for audit events and log lines."""

import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("opentrm_request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> str:
    request_id = value or uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id
