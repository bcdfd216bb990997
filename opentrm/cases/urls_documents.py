from django.urls import path

from opentrm.cases import views_documents as views

urlpatterns = [
    path("<uuid:public_id>/documents/new/", views.document_create, name="document_create"),
    path(
        "<uuid:public_id>/documents/<uuid:document_id>/",
        views.document_download,
        name="document_download",
    ),
    path(
        "<uuid:public_id>/documents/<uuid:document_id>/delete/",
        views.document_delete,
        name="document_delete",
    ),
    path("<uuid:public_id>/notes/new/", views.note_create, name="note_create"),
    path("<uuid:public_id>/notes/<int:note_id>/delete/", views.note_delete, name="note_delete"),
    path("<uuid:public_id>/timeline/", views.case_timeline_view, name="case_timeline"),
    path("<uuid:public_id>/participants/new/", views.participant_add, name="participant_add"),
    path(
        "<uuid:public_id>/participants/<int:participant_id>/remove/",
        views.participant_remove,
        name="participant_remove",
    ),
    path(
        "<uuid:public_id>/participants/<int:participant_id>/consent-taker/",
        views.participant_consent_taker,
        name="participant_consent_taker",
    ),
    path(
        "<uuid:public_id>/participants/<int:participant_id>/case-manager/",
        views.participant_case_manager,
        name="participant_case_manager",
    ),
]
