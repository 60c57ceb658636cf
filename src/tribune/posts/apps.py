from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "tribune.posts"
    label = "posts"
    verbose_name = _("Posts")

    def ready(self) -> None:
        from tribune.posts.revisions import PostRevisions
        from tribune.wiki.owners import register_owner

        register_owner(PostRevisions)
