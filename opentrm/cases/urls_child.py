from django.urls import path

from opentrm.cases import views_child

urlpatterns = [
    path(
        "<uuid:public_id>/child/", views_child.child_safeguards_edit, name="child_safeguards_edit"
    ),
    path("<uuid:public_id>/country-contact/", views_child.country_contact, name="country_contact"),
    path(
        "<uuid:public_id>/child/best-interests/new/",
        views_child.best_interests_assessment_create,
        name="best_interests_assessment_create",
    ),
]
