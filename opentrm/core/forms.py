"""Form helpers shared by the apps."""

from collections.abc import Collection

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, handled_elsewhere: Collection[str] = ()
) -> dict[str, list[str]]:
    """Put a service's ValidationError on the fields it names, the rest above the form.

    Messages for the names in ``handled_elsewhere`` (e.g. a formset's rows) are returned to the
    caller instead of being shown.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return {}
    returned: dict[str, list[str]] = {}
    for name, messages in error.message_dict.items():
        if name in handled_elsewhere:
            returned[name] = messages
        elif name in form.fields:
            form.add_error(name, messages)
        else:
            # NON_FIELD_ERRORS, or a field this form does not show (e.g. the country).
            form.add_error(None, messages)
    return returned
