from django.urls import path

from opentrm.matching import views

app_name = "matching"

urlpatterns = [
    path("check/", views.person_check, name="person_check"),
]
