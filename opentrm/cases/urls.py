from django.urls import include, path

from opentrm.cases import views, views_search

app_name = "cases"

urlpatterns = [
    path("", views_search.case_list, name="case_list"),
    path("new/", views.case_register, name="case_register"),
    path("<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("<uuid:public_id>/delete/", views.case_delete, name="case_delete"),
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
]
