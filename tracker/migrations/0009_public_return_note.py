from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0008_cycle_narrative"),
    ]

    operations = [
        migrations.AddField(
            model_name="updatetransition",
            name="public_note",
            field=models.BooleanField(
                default=False, verbose_name="show this note to every reader once the update is approved"
            ),
        ),
    ]
