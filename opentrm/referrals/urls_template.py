from django.urls import path

from opentrm.referrals import views_template as views

urlpatterns = [
    path(
        "transnational/<uuid:public_id>/",
        views.transnational_create,
        name="transnational_create",
    ),
    path("template/blank/", views.template_blank, name="template_blank"),
    path("requests/blank/<str:kind>/", views.request_blank, name="request_blank"),
    path("template/profile/", views.template_profile, name="template_profile"),
    path("<uuid:public_id>/template/", views.template_editor, name="template_editor"),
    path("<uuid:public_id>/template/send/", views.template_send, name="template_send"),
    path(
        "<uuid:public_id>/template/follow-up/",
        views.template_follow_up,
        name="template_follow_up",
    ),
    path("<uuid:public_id>/template/document/", views.template_document, name="template_document"),
    path("<uuid:public_id>/template/pdf/", views.template_pdf, name="template_pdf"),
    path("<uuid:public_id>/template/step/<slug:step>/", views.template_step, name="template_step"),
    path(
        "<uuid:public_id>/template/<slug:section>/",
        views.template_section_edit,
        name="template_section_edit",
    ),
]
