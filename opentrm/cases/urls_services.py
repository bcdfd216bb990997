from django.urls import path

from opentrm.cases import views_services

urlpatterns = [
    path("<uuid:public_id>/services/new/", views_services.service_create, name="service_create"),
    path(
        "<uuid:public_id>/services/<int:service_id>/",
        views_services.service_edit,
        name="service_edit",
    ),
    path(
        "<uuid:public_id>/services/<int:service_id>/status/",
        views_services.service_status,
        name="service_status",
    ),
    path(
        "<uuid:public_id>/services/<int:service_id>/delete/",
        views_services.service_remove,
        name="service_delete",
    ),
]
