from django.urls import path

from opentrm.cases import views_proceedings as views

urlpatterns = [
    path("<uuid:public_id>/proceedings/new/", views.proceeding_create, name="proceeding_create"),
    path(
        "<uuid:public_id>/proceedings/<int:proceeding_id>/",
        views.proceeding_edit,
        name="proceeding_edit",
    ),
    path("<uuid:public_id>/no-contact/new/", views.no_contact_create, name="no_contact_add"),
    path(
        "<uuid:public_id>/no-contact/<int:entry_id>/remove/",
        views.no_contact_delete,
        name="no_contact_remove",
    ),
    path("<uuid:public_id>/hearings/new/", views.hearing_create, name="hearing_schedule"),
    path("<uuid:public_id>/hearings/<int:hearing_id>/", views.hearing_edit, name="hearing_edit"),
    path(
        "<uuid:public_id>/hearings/<int:hearing_id>/cancel/",
        views.hearing_cancel_view,
        name="hearing_cancel",
    ),
]
