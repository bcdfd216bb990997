from django.urls import include, path

app_name = "referrals"

# One routing module per part (same "referrals" namespace).
urlpatterns = [
    path("", include("opentrm.referrals.urls_national")),
    path("", include("opentrm.referrals.urls_template")),
    path("", include("opentrm.referrals.urls_requests")),
    path("", include("opentrm.referrals.urls_import")),
]
