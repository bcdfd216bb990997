import logging

from opentrm.core.request_context import current_request_id


class RequestIdFilter(logging.Filter):
    """Adds the request id to every log record so a log line can be matched to audit events."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
