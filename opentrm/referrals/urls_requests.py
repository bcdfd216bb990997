from django.urls import path

from opentrm.referrals import views_escalation
from opentrm.referrals import views_requests as views

urlpatterns = [
    path("requests/new/", views.request_create_thematic, name="request_create_thematic"),
    path(
        "requests/case/<uuid:public_id>/",
        views.request_create_for_case,
        name="request_create_for_case",
    ),
    path("<uuid:public_id>/request/send/", views.request_send, name="request_send"),
    path(
        "<uuid:public_id>/request/acknowledge/",
        views.request_acknowledge,
        name="request_acknowledge",
    ),
    path("<uuid:public_id>/request/answer/", views.request_answer, name="request_answer"),
    path("<uuid:public_id>/request/decline/", views.request_decline, name="request_decline"),
    path("<uuid:public_id>/request/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("<uuid:public_id>/request/close/", views.request_close, name="request_close"),
    path(
        "<uuid:public_id>/request/escalate/",
        views_escalation.request_escalate_view,
        name="request_escalate",
    ),
    path("<uuid:public_id>/forward/", views.referral_forward, name="referral_forward"),
    path("<uuid:public_id>/export/", views.referral_export, name="referral_export"),
    path("<uuid:public_id>/dispatch/", views.dispatch_record, name="dispatch_record"),
    path("settings/", views.settings_overview, name="settings_overview"),
    path(
        "settings/time-limits/<str:kind>/",
        views.settings_time_limit,
        name="settings_time_limit",
    ),
    path("settings/calendar/", views.settings_calendar, name="settings_calendar"),
]
