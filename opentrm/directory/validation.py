"""Field rules of the directory that forms, the API and the importer share."""

import re

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from opentrm.directory import reference
from opentrm.directory.models import ChannelKind

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,38}[0-9]( ?(ext\.?|x) ?[0-9]{1,6})?$", re.IGNORECASE)
_PHONE_KINDS = {ChannelKind.PHONE, ChannelKind.MOBILE, ChannelKind.FAX, ChannelKind.HOTLINE}


def validate_channel_value(kind: str, value: str) -> str:
    """Normalise and check one channel value; raise ValidationError naming what is wrong."""
    value = " ".join(value.split())
    if not value:
        raise ValidationError(_("Enter a value."))
    if kind not in ChannelKind.values:
        raise ValidationError(_("Unknown channel kind “%(kind)s”.") % {"kind": kind})
    if kind in _PHONE_KINDS and not _PHONE.match(value):
        raise ValidationError(
            _(
                "“%(value)s” is not a phone number "
                "(digits, spaces, + ( ) . / - and an optional extension)."
            )
            % {"value": value}
        )
    if kind == ChannelKind.EMAIL:
        # The validator fills in %(value)s itself; formatting here first would make a value
        # containing "%" break the error message.
        EmailValidator(message=_("“%(value)s” is not an e-mail address."))(value)
    if kind == ChannelKind.WEBSITE:
        URLValidator(message=_("“%(value)s” is not a web address."))(value)
    return value


def validate_country_code(code: str) -> str:
    code = code.strip().upper()
    if not reference.is_country_code(code):
        raise ValidationError(
            _("“%(code)s” is not a known country code (ISO 3166-1 alpha-2).") % {"code": code}
        )
    return code


def validate_language_code(code: str) -> str:
    code = code.strip().lower()
    if not reference.is_language_code(code):
        raise ValidationError(
            _("“%(code)s” is not a known language code (ISO 639).") % {"code": code}
        )
    # One code per language (the model stores 2 letters where they exist): "sqi" -> "sq".
    record = pycountry.languages.get(alpha_3=code) if len(code) == 3 else None
    return getattr(record, "alpha_2", None) or code
