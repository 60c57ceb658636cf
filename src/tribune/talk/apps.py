from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalkConfig(AppConfig):
    name = "tribune.talk"
    label = "talk"
    verbose_name = _("Talk")
