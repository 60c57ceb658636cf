from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Usernames appear in URLs and in @mentions: keep them to plain ASCII letters,
# digits and underscores, as Mastodon does, so that they are never ambiguous.
username_validators = [
    RegexValidator(
        r"^[A-Za-z0-9_]{3,30}\Z",
        _("Use 3 to 30 letters, digits or underscores."),
        code="invalid_username",
    )
]
