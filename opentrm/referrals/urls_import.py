from django.urls import path

from opentrm.referrals import views_import

urlpatterns = [
    path("import/", views_import.referral_import, name="referral_import"),
]
