"""An e-mail backend that writes each message to its own file.

Django's file backend appends every message of a connection to one file; one
file per message is what an operator (and a test) wants to read.
"""

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class FileEmailBackend(BaseEmailBackend):
    def __init__(self, *args: Any, file_path: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path or str(getattr(settings, "EMAIL_FILE_PATH", "")))

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes())
            sent += 1
        return sent
