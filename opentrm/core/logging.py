"""Log records carry the request id and never personal data."""

import json
import logging
import traceback
from types import TracebackType

from opentrm.core.request_context import current_request_id

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class RequestIdFilter(logging.Filter):
    """Adds the request id to every log record so a log line can be matched to audit events."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class NoValuesFormatter(logging.Formatter):
    """Prints where an exception happened and its type, but not its message.

    Exception messages often quote data (a database error repeats the duplicate value, a
    validation error the rejected input), and the node's log must not hold personal data.
    """

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 (logging's name)
        exc_type, _value, tb = ei
        frames = "".join(traceback.format_tb(tb)) if tb else ""
        name = exc_type.__qualname__ if exc_type else "Exception"
        return f"Traceback (most recent call last):\n{frames}{name} (message withheld)"


class JsonFormatter(NoValuesFormatter):
    """One JSON object a line (time, level, logger, request id, message), for a log
    collector. The message is ours (ids and codes, never personal data); exceptions as
    ``NoValuesFormatter`` prints them, without their message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", ""),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
