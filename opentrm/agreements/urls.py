from django.urls import path

from opentrm.agreements import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="agreement_list"),
    path("new/", views.agreement_create, name="agreement_create"),
    path("<int:agreement_id>/", views.agreement_detail, name="agreement_detail"),
    path("<int:agreement_id>/edit/", views.agreement_edit, name="agreement_edit"),
    path("<int:agreement_id>/parties/new/", views.party_add, name="party_add"),
    path("<int:agreement_id>/parties/<int:party_id>/", views.party_edit, name="party_edit"),
    path("<int:agreement_id>/flows/", views.flow_edit, name="flow_edit"),
    path("<int:agreement_id>/flows/approve/", views.flow_approve, name="flow_approve"),
    path("<int:agreement_id>/signatures/new/", views.signature_record, name="signature_record"),
    path("<int:agreement_id>/amend/", views.agreement_amend, name="agreement_amend"),
    path("<int:agreement_id>/terminate/", views.agreement_terminate, name="agreement_terminate"),
    path("<int:agreement_id>/meetings/new/", views.meeting_add, name="meeting_add"),
    path(
        "<int:agreement_id>/meetings/<int:meeting_id>/cancel/",
        views.meeting_cancel,
        name="meeting_cancel",
    ),
    path("<int:agreement_id>/pdf/", views.agreement_pdf, name="agreement_pdf"),
]
