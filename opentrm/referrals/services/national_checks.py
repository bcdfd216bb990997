"""The checks of a referral within the country (``services.national``): every mistake of its
input at once, each on its field (issue 12 §5), for the send, the form's preview and its
precheck, and the API alike."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from opentrm.cases.models import Need, ServiceType
from opentrm.catalogue import loader
from opentrm.directory.models import AccreditationStatus, Organisation
from opentrm.referrals.models import Urgency

# A directory entry whose accreditation is recorded as anything but "accredited" (or "not
# required") may not receive referrals.
NOT_ACCREDITED = frozenset(
    {AccreditationStatus.PENDING, AccreditationStatus.SUSPENDED, AccreditationStatus.WITHDRAWN}
)
REASON_MAX = 2000


def check_receiver(sender: Organisation, receiver: Organisation | None) -> Organisation:
    if receiver is None:
        raise ValidationError({"receiver": _("Pick the organisation to refer the case to.")})
    if receiver.pk == sender.pk:
        raise ValidationError({"receiver": _("Your organisation cannot refer a case to itself.")})
    if not receiver.is_active:
        raise ValidationError(
            {"receiver": _("This organisation is inactive in the directory: pick another one.")}
        )
    if receiver.accreditation_status in NOT_ACCREDITED:
        raise ValidationError(
            {
                "receiver": _(
                    "This organisation is not accredited (the directory records it as "
                    "“%(status)s”): pick another one."
                )
                % {"status": AccreditationStatus(receiver.accreditation_status).label}
            }
        )
    if receiver.country_id != sender.country_id:
        raise ValidationError(
            {
                "receiver": _(
                    "Only organisations of your country can receive a referral within the "
                    "country. To refer abroad, use a transnational referral."
                )
            }
        )
    return receiver


def send_errors(
    *,
    sender: Organisation,
    receiver: Organisation | None,
    measure_code: str,
    service_type: str,
    needs: Iterable[str],
    reason: str,
    urgency: str,
) -> dict[str, list[str]]:
    """Every mistake of a referral's input at once, each on its field (issue 12 §5): the
    receiver's and the content's. The one check of the send, the form's preview and its
    precheck; what needs the case's state at write time (an open referral, a participant) is
    checked when sending."""
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: check_receiver(sender, receiver),
        lambda: check_content(
            measure_code=measure_code,
            service_type=service_type,
            needs=needs,
            reason=reason,
            urgency=urgency,
        ),
    ):
        try:
            check()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    return errors


def check_content(
    *, measure_code: str, service_type: str, needs: Iterable[str], reason: str, urgency: str
) -> list[str]:
    errors: dict[str, str] = {}
    if not measure_code and not service_type:
        errors["measure_code"] = _("Name the measure or the service the referral is for.")
    if measure_code:
        try:
            loader.measure(measure_code)
        except KeyError:
            errors["measure_code"] = _("Unknown measure.")
    if service_type and service_type not in ServiceType.values:
        errors["service_type"] = _("Unknown service.")
    codes = list(dict.fromkeys(needs))
    if any(code not in Need.values for code in codes):
        errors["needs"] = _("Unknown need.")
    if urgency not in Urgency.values:
        errors["urgency"] = _("Unknown urgency.")
    if not reason.strip():
        errors["reason"] = _("Say why you refer the case.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}
    if errors:
        raise ValidationError(errors)
    return codes
