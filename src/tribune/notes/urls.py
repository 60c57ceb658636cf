"""Community notes' pages: a post's notes, and each note with its ratings and history."""

from django.urls import path

from tribune.notes import views

app_name = "notes"

urlpatterns = [
    path("p/<int:post_id>/notes/", views.post_notes_page, name="post_notes"),
    path("p/<int:post_id>/notes/new/", views.note_new, name="note_create"),
    path("notes/<int:note_id>/", views.note_page, name="note"),
    path("notes/<int:note_id>/edit/", views.note_change, name="note_edit"),
    path("notes/<int:note_id>/rate/", views.note_rate_button, name="note_rate"),
    path("notes/<int:note_id>/history/", views.note_history_page, name="note_history"),
]
