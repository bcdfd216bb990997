from django.urls import path

from opentrm.cases import views_assessments as views

urlpatterns = [
    path("<uuid:public_id>/assessments/", views.assessment_list, name="assessment_list"),
    path(
        "<uuid:public_id>/assessments/new/<slug:kind>/",
        views.assessment_create,
        name="assessment_create",
    ),
    path(
        "<uuid:public_id>/assessments/<int:assessment_id>/",
        views.assessment_edit,
        name="assessment_edit",
    ),
    path(
        "<uuid:public_id>/assessments/<int:assessment_id>/delete/",
        views.assessment_delete,
        name="assessment_delete",
    ),
    path("<uuid:public_id>/health/", views.health_edit, name="health_edit"),
]
