from django.urls import path

from tribune.talk import views

app_name = "talk"

urlpatterns = [
    path("p/<int:post_id>/comments/", views.create, name="create"),
    path("p/<int:post_id>/comments/<int:comment_id>/edit/", views.edit, name="edit"),
    path("p/<int:post_id>/comments/<int:comment_id>/delete/", views.delete, name="delete"),
    path("p/<int:post_id>/comments/<int:comment_id>/history/", views.history, name="history"),
]
