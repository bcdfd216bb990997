"""Retention periods per data category (issue 17 §5), from OPENTRM_RETENTION_YEARS."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from opentrm.accounts.policy import FieldGroup

DEFAULT_YEARS = 5


def retention_years() -> dict[str, int]:
    """Years after a case's closure each category is kept: ``default`` and per field group.

    ``OPENTRM_RETENTION_YEARS="default=5,health=2,proceedings=10"``: a category not named keeps
    the default.
    """
    configured = getattr(settings, "OPENTRM_RETENTION_YEARS", "") or ""
    years: dict[str, int] = {"default": DEFAULT_YEARS}
    for item in str(configured).split(","):
        if not item.strip():
            continue
        name, _, value = item.partition("=")
        name = name.strip()
        if name != "default" and name not in FieldGroup.__members__.values():
            raise ImproperlyConfigured(f"OPENTRM_RETENTION_YEARS: unknown category {name!r}")
        try:
            years[name] = int(value)
        except ValueError as bad:
            raise ImproperlyConfigured(
                f"OPENTRM_RETENTION_YEARS: {item!r} is not a number"
            ) from bad
    for group in FieldGroup:
        years.setdefault(group.value, years["default"])
    return years
