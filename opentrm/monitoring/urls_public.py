from django.urls import path, re_path

from opentrm.monitoring import views_public

app_name = "feedback"

urlpatterns = [
    path("", views_public.start, name="start"),
    path("thanks/", views_public.thanks, name="thanks"),
    re_path(r"^(?P<code>[A-Za-z0-9-]{1,20})/$", views_public.answer, name="answer"),
]
