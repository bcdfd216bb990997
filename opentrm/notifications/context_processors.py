from django.http import HttpRequest

from opentrm.notifications.selectors import unread_count


def notifications(request: HttpRequest) -> dict[str, object]:
    """The counter in the header: one query, for signed-in users only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
