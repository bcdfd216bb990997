from django.urls import path

from opentrm.research import views

app_name = "research"

urlpatterns = [
    path("", views.dataset_list, name="dataset_list"),
    path("<int:dataset_id>/download.csv", views.dataset_download, name="dataset_download"),
]
