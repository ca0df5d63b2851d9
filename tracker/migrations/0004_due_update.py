# The item a party owes in a cycle is a "due update" (the generated document keeps "report").
# Renames only: every row, constraint and history record is kept.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0002_natural_keys"),
        ("tracker", "0003_report"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="ExpectedReport", new_name="DueUpdate"),
        migrations.RenameModel(old_name="HistoricalExpectedReport", new_name="HistoricalDueUpdate"),
        migrations.AlterModelOptions(
            name="dueupdate",
            options={"verbose_name": "due update", "verbose_name_plural": "due updates"},
        ),
        migrations.AlterModelOptions(
            name="historicaldueupdate",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical due update",
                "verbose_name_plural": "historical due updates",
            },
        ),
        migrations.AlterField(
            model_name="dueupdate",
            name="cycle",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="due_updates",
                to="tracker.reportingcycle",
                verbose_name="cycle",
            ),
        ),
        migrations.RenameIndex(
            model_name="dueupdate", new_name="tracker_due_cycle_i_2a1105_idx", old_name="tracker_exp_cycle_i_a6d816_idx"
        ),
        migrations.RenameIndex(
            model_name="dueupdate", new_name="tracker_due_member__63747a_idx", old_name="tracker_exp_member__6a3d1b_idx"
        ),
        migrations.RenameIndex(
            model_name="dueupdate", new_name="tracker_due_body_id_147f1c_idx", old_name="tracker_exp_body_id_7ab10e_idx"
        ),
    ]
