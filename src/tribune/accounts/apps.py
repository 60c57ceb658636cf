from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tribune.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from tribune.accounts.signals import settle_access_on_email_confirmed

        email_confirmed.connect(
            settle_access_on_email_confirmed, dispatch_uid="accounts_settle_access"
        )
