from django.urls import path

from opentrm.cases import views_aftercare as views

urlpatterns = [
    path("<uuid:public_id>/visits/new/", views.visit_schedule, name="visit_schedule"),
    path(
        "<uuid:public_id>/visits/<int:visit_id>/record/",
        views.visit_record,
        name="visit_record",
    ),
    path("labour/", views.labour_list, name="labour_list"),
    path("labour/new/", views.labour_create, name="labour_create"),
    path("labour/<int:inspection_id>/", views.labour_detail, name="labour_detail"),
    path(
        "labour/<int:inspection_id>/register-case/",
        views.labour_register_case,
        name="labour_register_case",
    ),
]
