from django.urls import path

from opentrm.cases import views_emergency

app_name = "emergency"

urlpatterns = [
    path("open/", views_emergency.emergency_open_view, name="open"),
    path("reviews/", views_emergency.emergency_review_list, name="reviews"),
    path("reviews/<int:access_id>/", views_emergency.emergency_review_view, name="review"),
]
