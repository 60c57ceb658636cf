"""The `tribune` command: Django's management commands plus Tribune's own (API.md)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tribune.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["tribune", *sys.argv[1:]])
    except ImproperlyConfigured as error:
        if settings.configured:
            raise  # a fault of the code, not of the configuration
        # The settings could not be read: a variable the operator set is wrong, and its
        # message says which and how to fix it; a traceback would only bury it.
        sys.exit(str(error))


if __name__ == "__main__":
    main()
