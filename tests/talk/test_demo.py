"""`tribune demo` leaves the demo posts with lived-in talk, and runs again harmlessly."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tribune.posts.models import Post
from tribune.talk.models import Comment, CommentRevision, CommentState
from tribune.talk.selectors import comment_mentioned_readers

pytestmark = pytest.mark.django_db


def test_demo_talk_has_threads_replies_mentions_and_a_tombstone():
    call_command("demo", stdout=StringIO())
    comments = Comment.objects.select_related("author", "post__subwiki")
    assert comments.filter(parent__isnull=False, depth__gte=2).exists()  # a real thread
    assert CommentRevision.objects.exists()  # an edited comment, with its earlier text
    assert comments.filter(state=CommentState.DELETED, replies__isnull=False).exists()
    assert any(comment_mentioned_readers(comment=c) for c in comments if "@" in c.body)
    for post in Post.objects.all():
        visible = post.comments.filter(state=CommentState.VISIBLE).count()
        assert post.comment_count == visible, post.title
    assert comments.filter(subwiki__visibility="private").exists()

    before = Comment.objects.count()
    call_command("demo", stdout=StringIO())
    assert Comment.objects.count() == before
