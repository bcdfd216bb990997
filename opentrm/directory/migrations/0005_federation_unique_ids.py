import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("directory", "0004_federation")]

    operations = [
        migrations.AlterField(
            model_name="organisation",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="stable id"
            ),
        ),
        migrations.AlterField(
            model_name="contactpoint",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="stable id"
            ),
        ),
    ]
