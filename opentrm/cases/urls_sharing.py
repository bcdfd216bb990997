from django.urls import path

from opentrm.cases import views_sharing

urlpatterns = [
    path("<uuid:public_id>/sharing/", views_sharing.case_sharing, name="case_sharing"),
]
