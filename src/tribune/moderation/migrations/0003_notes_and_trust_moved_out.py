"""Community notes and trust now live in their own apps (notes, trust), which took over
their tables: moderation forgets the models without touching a row."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('moderation', '0002_community_note_revisions'),
        ('notes', '0001_notes_from_moderation'),
        ('trust', '0001_trust_from_moderation'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='NoteRating'),
                migrations.DeleteModel(name='NoteRevision'),
                migrations.DeleteModel(name='CommunityNote'),
                migrations.DeleteModel(name='TrustRecord'),
                migrations.DeleteModel(name='Vouch'),
            ],
        ),
    ]
