"""Community notes move out of moderation into their own app, with every row kept."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ('communitynote', 'noterating', 'noterevision',)


def _move_content_types(apps, schema_editor, source, target):
    # Admin log entries and permissions point at content types: they follow the models.
    # A content type already under the target's name was made empty by an earlier
    # migrate run (Django makes one for every model it knows): the moved one replaces it.
    content_type = apps.get_model("contenttypes", "ContentType")
    moving = content_type.objects.filter(app_label=source, model__in=MOVED)
    taken = moving.values_list("model", flat=True)
    content_type.objects.filter(app_label=target, model__in=list(taken)).delete()
    moving.update(app_label=target)


def content_types_to_notes(apps, schema_editor):
    _move_content_types(apps, schema_editor, "moderation", "notes")


def content_types_to_moderation(apps, schema_editor):
    _move_content_types(apps, schema_editor, "notes", "moderation")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('moderation', '0002_community_note_revisions'),
        ('posts', '0003_post_moderation_lock_and_protection'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already (moderation made them): this app takes them over in
        # Django's state only, then renames them to its own names.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CommunityNote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('classification', models.CharField(choices=[('misleading', 'The post is misleading'), ('not_misleading', 'The post is not misleading')], max_length=16)),
                        ('body', models.TextField(max_length=2000, verbose_name='note')),
                        ('sources', models.JSONField(blank=True, default=list, verbose_name='sources')),
                        ('status', models.CharField(choices=[('needs_more_ratings', 'Needs more ratings'), ('helpful', 'Helpful'), ('not_helpful', 'Not helpful')], default='needs_more_ratings', max_length=24)),
                        ('intercept', models.FloatField(blank=True, null=True)),
                        ('factor', models.FloatField(blank=True, null=True)),
                        ('rating_count', models.PositiveIntegerField(default=0)),
                        ('scored_at', models.DateTimeField(blank=True, null=True)),
                        ('is_removed', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('edited_at', models.DateTimeField(blank=True, null=True)),
                        ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to=settings.AUTH_USER_MODEL)),
                        ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='posts.post')),
                    ],
                    options={'db_table': 'moderation_communitynote'},
                ),
                migrations.CreateModel(
                    name='NoteRating',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('helpful', models.CharField(choices=[('yes', 'Helpful'), ('somewhat', 'Somewhat helpful'), ('no', 'Not helpful')], max_length=8)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('note', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ratings', to='notes.communitynote')),
                        ('rater', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='note_ratings', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={'db_table': 'moderation_noterating'},
                ),
                migrations.CreateModel(
                    name='NoteRevision',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('summary', models.CharField(blank=True, max_length=300, verbose_name='edit summary')),
                        ('classification', models.CharField(choices=[('misleading', 'The post is misleading'), ('not_misleading', 'The post is not misleading')], max_length=16)),
                        ('body', models.TextField(max_length=2000, verbose_name='note')),
                        ('sources', models.JSONField(blank=True, default=list, verbose_name='sources')),
                        ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('note', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='notes.communitynote')),
                    ],
                    options={'db_table': 'moderation_noterevision'},
                ),
                migrations.AddIndex(
                    model_name='communitynote',
                    index=models.Index(fields=['post', '-created_at', '-id'], name='note_by_post'),
                ),
                migrations.AddIndex(
                    model_name='communitynote',
                    index=models.Index(condition=models.Q(('is_removed', False), ('status', 'helpful')), fields=['post'], name='note_helpful_by_post'),
                ),
                migrations.AddConstraint(
                    model_name='communitynote',
                    constraint=models.UniqueConstraint(fields=('post', 'author'), name='note_once_per_member'),
                ),
                migrations.AddConstraint(
                    model_name='noterating',
                    constraint=models.UniqueConstraint(fields=('note', 'rater'), name='note_rating_once'),
                ),
                migrations.AddIndex(
                    model_name='noterevision',
                    index=models.Index(fields=['note', '-created_at', '-id'], name='note_revision_recent'),
                ),
            ],
        ),
        migrations.AlterModelTable(name='communitynote', table=None),
        migrations.AlterModelTable(name='noterating', table=None),
        migrations.AlterModelTable(name='noterevision', table=None),
        migrations.RunPython(content_types_to_notes, content_types_to_moderation),
    ]
