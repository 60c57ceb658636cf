from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    Member = apps.get_model("accounts", "Member")
    Member.objects.filter(access="admitted", admitted_at__isnull=True).update(
        admitted_at=F("date_joined")
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_waitlist_invitations_supporters")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
