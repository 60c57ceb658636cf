"""What the talk tells the rest of the site, once a write is committed."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a new comment is committed, with `comment` and `mentioned`: the members
# it mentions who may read it (talk.selectors.comment_mentioned_readers).
comment_posted = Signal()
