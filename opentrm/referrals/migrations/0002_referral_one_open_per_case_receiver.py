# One open referral within the country per case and receiver, enforced by the database
# (issue 10): two concurrent sends can no longer both pass the service's check.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("case__isnull", False),
                    ("kind", "national"),
                    (
                        "status__in",
                        [
                            "sent",
                            "acknowledged",
                            "accepted",
                            "answered",
                            "return_arranged",
                            "arrival_confirmed",
                        ],
                    ),
                ),
                fields=("case", "receiver_organisation"),
                name="referrals_referral_one_open_per_case_receiver",
            ),
        ),
    ]
