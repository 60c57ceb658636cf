from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotesConfig(AppConfig):
    name = "tribune.notes"
    label = "notes"
    verbose_name = _("Community notes")

    def ready(self) -> None:
        from tribune.notes.annotations import helpful_note_annotations, note_presence_annotation
        from tribune.posts.annotations import add_list_annotations, add_post_annotations

        # A post's card shows its helpful note, and its page asks for notes only when it
        # has some: both read with the post itself (posts.annotations).
        add_list_annotations(helpful_note_annotations)
        add_post_annotations(note_presence_annotation)
