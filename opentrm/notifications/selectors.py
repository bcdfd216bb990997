"""Reads of a user's own notifications."""

from django.db.models import QuerySet

from opentrm.accounts.models import User
from opentrm.notifications.models import Notification, Preference


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def preference_of(user: User) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)
