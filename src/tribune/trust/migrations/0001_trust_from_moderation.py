"""Vouches and trust records move out of moderation into their own app, with every row kept."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ('trustrecord', 'vouch',)


def _move_content_types(apps, schema_editor, source, target):
    # Admin log entries and permissions point at content types: they follow the models.
    # A content type already under the target's name was made empty by an earlier
    # migrate run (Django makes one for every model it knows): the moved one replaces it.
    content_type = apps.get_model("contenttypes", "ContentType")
    moving = content_type.objects.filter(app_label=source, model__in=MOVED)
    taken = moving.values_list("model", flat=True)
    content_type.objects.filter(app_label=target, model__in=list(taken)).delete()
    moving.update(app_label=target)


def content_types_to_trust(apps, schema_editor):
    _move_content_types(apps, schema_editor, "moderation", "trust")


def content_types_to_moderation(apps, schema_editor):
    _move_content_types(apps, schema_editor, "trust", "moderation")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('moderation', '0002_community_note_revisions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already (moderation made them): this app takes them over in
        # Django's state only, then renames them to its own names.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TrustRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('level', models.PositiveSmallIntegerField(default=0)),
                        ('reasons', models.JSONField(blank=True, default=dict)),
                        ('computed_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('member', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='trust_record', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={'db_table': 'moderation_trustrecord'},
                ),
                migrations.CreateModel(
                    name='Vouch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='vouches_received', to=settings.AUTH_USER_MODEL)),
                        ('voucher', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='vouches_given', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'moderation_vouch',
                        'constraints': [models.UniqueConstraint(fields=('voucher', 'member'), name='vouch_once'), models.CheckConstraint(condition=models.Q(('voucher', models.F('member')), _negated=True), name='vouch_not_self')],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='trustrecord', table=None),
        migrations.AlterModelTable(name='vouch', table=None),
        migrations.RunPython(content_types_to_trust, content_types_to_moderation),
    ]
