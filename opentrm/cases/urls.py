from django.urls import include, path

from opentrm.cases import views, views_casefile, views_emergency, views_search

app_name = "cases"

urlpatterns = [
    path("", views_search.case_list, name="case_list"),
    path("new/", views.case_register, name="case_register"),
    path("<uuid:public_id>/", views_casefile.case_detail, name="case_detail"),
    path(
        "<uuid:public_id>/sections/<slug:section>/",
        views_casefile.case_section,
        name="case_section",
    ),
    path("<uuid:public_id>/summary.pdf", views_casefile.case_summary_pdf, name="case_summary_pdf"),
    path("<uuid:public_id>/delete/", views.case_delete, name="case_delete"),
    path("<uuid:public_id>/access/", views_emergency.case_access_log, name="case_access_log"),
    path("<uuid:public_id>/person/", views.person_edit, name="person_edit"),
    path("<uuid:public_id>/consents/new/", views.consent_create, name="consent_create"),
    path(
        "<uuid:public_id>/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    # One routing module per part of the case file (same "cases" namespace).
    path("", include("opentrm.cases.urls_measures")),
    path("", include("opentrm.cases.urls_child")),
    path("", include("opentrm.cases.urls_tasks")),
    path("", include("opentrm.cases.urls_assessments")),
    path("", include("opentrm.cases.urls_plans")),
    path("", include("opentrm.cases.urls_services")),
    path("", include("opentrm.cases.urls_proceedings")),
    path("", include("opentrm.cases.urls_documents")),
    path("", include("opentrm.cases.urls_sharing")),
    path("", include("opentrm.cases.urls_casedata")),
    path("", include("opentrm.cases.urls_aftercare")),
    path("", include("opentrm.cases.urls_interpreters")),
]
