from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "tribune.communities"
    label = "communities"
    verbose_name = _("Subwikis")

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up

        from tribune.communities.descriptions import DescriptionRevisions
        from tribune.communities.signals import follow_default_subwikis_on_sign_up
        from tribune.wiki.owners import register_owner

        register_owner(DescriptionRevisions)

        user_signed_up.connect(
            follow_default_subwikis_on_sign_up, dispatch_uid="communities_follow_defaults"
        )
