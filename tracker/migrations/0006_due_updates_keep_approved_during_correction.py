from django.db import migrations
from django.db.models import Q


def standing_again(apps, schema_editor):
    """Due updates that mirrored a correction still in the works point again at the update that
    stands (`tracker.updates.services.standing_update`): the approved one it corrects stays approved
    until the correction is. Before this rule, starting a correction turned an approved due update
    into a draft, and completeness and the report's participation counted it as not approved."""
    DueUpdate = apps.get_model("tracker", "DueUpdate")
    ProgressUpdate = apps.get_model("tracker", "ProgressUpdate")
    mirrored = DueUpdate.objects.filter(update__corrects__isnull=False).exclude(update__state="approved")
    for due in mirrored.iterator():
        standing = (
            ProgressUpdate.objects.filter(
                cycle_id=due.cycle_id,
                activity_id=due.activity_id,
                member_state_id=due.member_state_id,
                body_id=due.body_id,
            )
            .exclude(Q(corrects__isnull=False) & ~Q(state="approved"))
            .order_by("-created_at", "-pk")
            .first()
        )
        due.update = standing
        due.status = standing.state if standing else "missing"
        due.save(update_fields=["update", "status"])


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0005_report_provisional"),
    ]

    operations = [
        migrations.RunPython(standing_again, migrations.RunPython.noop),
    ]
