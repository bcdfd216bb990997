import logging
import sys
from typing import Any

from django.conf import settings

from opentrm.core.logging import NoValuesFormatter, RequestIdFilter
from opentrm.core.request_context import set_request_id


def _save(name: str) -> None:
    raise ValueError(f"duplicate key value (name)=({name}) already exists")


def test_it_logs_where_an_error_happened_but_not_the_data_in_its_message() -> None:
    formatter = NoValuesFormatter("%(levelname)s [%(request_id)s] %(message)s")
    set_request_id("req-12345678")
    person = "Drita Imagined"  # a value a request carried; this line is not in the traceback
    try:
        _save(person)
    except ValueError:
        record = logging.getLogger("opentrm").makeRecord(
            "opentrm", logging.ERROR, __file__, 1, "server error", (), exc_info=sys.exc_info()
        )
    RequestIdFilter().filter(record)
    text = formatter.format(record)
    assert "[req-12345678] server error" in text
    assert "in _save" in text  # the frames are there for the operator
    assert "ValueError (message withheld)" in text
    assert "Drita" not in text


def test_it_uses_that_formatter_for_the_node_log() -> None:
    logging_config: dict[str, Any] = settings.LOGGING
    formatter = logging_config["handlers"]["console"]["formatter"]
    assert logging_config["formatters"][formatter]["()"].endswith("NoValuesFormatter")
