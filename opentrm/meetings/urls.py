from django.urls import path

from opentrm.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_create, name="meeting_create"),
    path("mine/", views.my_action_items, name="my_action_items"),
    path("cases/<uuid:case_id>/new/", views.case_meeting_create, name="case_meeting_create"),
    path(
        "agreement-meetings/<int:scheduled_id>/record/",
        views.agreement_meeting_record,
        name="agreement_meeting_record",
    ),
    path("<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:meeting_id>/participants/", views.participant_add, name="participant_add"),
    path("<int:meeting_id>/decisions/", views.decision_add, name="decision_add"),
    path("<int:meeting_id>/action-items/", views.action_item_add, name="action_item_add"),
    path("action-items/<int:item_id>/done/", views.action_item_done, name="action_item_done"),
]
