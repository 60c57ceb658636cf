"""The post resources of the API (API.md): create, read, edit with merges and conflicts."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.posts.models import Post
from tribune.wiki.models import Revision, RevisionStatus

pytestmark = pytest.mark.django_db

BODY = "First line.\nSecond line.\nThird line.\n"


def current_revision(post: Post) -> int:
    post.page.refresh_from_db()
    revision_id = post.page.current_revision_id
    assert revision_id is not None
    return revision_id


@pytest.fixture
def private(member):
    return make_subwiki(member, slug="backroom", visibility="private")


# --- Create ---------------------------------------------------------------------------


def test_create_an_article_in_a_subwiki(api_client, member):
    subwiki = make_subwiki(member, slug="science")
    response = api_client(member).post(
        "/api/v1/posts",
        {
            "subwiki": "science",
            "kind": "article",
            "title": "  Why the sky is blue ",
            "body": "It *scatters*.",
            "edit_policy": "reviewed",
        },
    )
    assert response.status_code == 201
    body = response.json()
    post = Post.objects.get(pk=body["id"])
    assert body["subwiki"] == "science"
    assert body["kind"] == "article"
    assert body["title"] == "Why the sky is blue"
    assert body["body_html"] == "<p>It <em>scatters</em>.</p>\n"
    assert body["edit_policy"] == "reviewed"
    assert body["author"] == {
        "id": str(member.pk),
        "username": member.username,
        "name": member.name,
    }
    assert body["revision"] == str(post.page.current_revision_id)
    assert body["edited_at"] is None
    assert body["created_at"].endswith("Z")
    assert body["image"] is None
    assert body["preview"] is None
    assert post.subwiki == subwiki


def test_create_a_text_post_on_ones_profile(api_client, member):
    response = api_client(member).post(
        "/api/v1/posts", {"subwiki": None, "kind": "text", "body": "Hello, **world**."}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["subwiki"] is None
    assert body["title"] == "Hello, world."


def test_a_link_post_waits_for_its_preview(api_client, member):
    response = api_client(member).post(
        "/api/v1/posts", {"kind": "link", "title": "A page", "url": "https://example.org/a"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["url"] == "https://example.org/a"
    # The preview is fetched by a task once the post is committed.
    assert body["preview"]["status"] == "pending"


def test_hostile_markdown_is_sanitised(api_client, member):
    hostile = (
        "<script>alert(1)</script> [a](javascript:alert(1)) [b](data:text/html,x) "
        "<img src=x onerror=alert(1)> [c](https://example.org)"
    )
    response = api_client(member).post(
        "/api/v1/posts", {"kind": "article", "title": "x", "body": hostile}
    )
    html = response.json()["body_html"]
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript:' not in html
    assert 'href="data:' not in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">c</a>' in html


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "poem", "title": "x", "body": "y"}, "kind"),
        ({"kind": "article", "title": "", "body": "y"}, "title"),
        ({"kind": "article", "title": "x", "body": "  "}, "body"),
        ({"kind": "link", "title": "x", "url": "javascript:alert(1)"}, "url"),
        ({"kind": "article", "title": "x", "body": "y", "edit_policy": "anarchy"}, "edit_policy"),
        ({"kind": "text", "body": "x" * 5_001}, "body"),
        ({"kind": "article", "title": "a\x00b", "body": "y"}, "title"),
        ({"title": "no kind"}, "kind"),
    ],
)
def test_bad_input_names_the_field(api_client, member, payload, field):
    response = api_client(member).post("/api/v1/posts", payload)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Post.objects.exists()


def test_a_body_that_is_not_json_is_a_400(api_client, member):
    client = api_client(member)
    assert client.post("/api/v1/posts", "{not json").json()["code"] == "malformed_body"
    assert client.post("/api/v1/posts", "[1, 2]").status_code == 400


def test_posting_in_a_subwiki_one_cannot_see_is_like_an_unknown_one(
    api_client, other_member, private
):
    client = api_client(other_member)
    hidden = client.post("/api/v1/posts", {"subwiki": "backroom", "kind": "text", "body": "hi"})
    unknown = client.post("/api/v1/posts", {"subwiki": "nowhere", "kind": "text", "body": "hi"})
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == unknown.json()
    assert "subwiki" in hidden.json()["errors"]


def test_an_image_post_sent_as_json_says_how_to_send_the_image(api_client, member):
    response = api_client(member).post(
        "/api/v1/posts", {"kind": "image", "title": "A cat", "image_alt": "A cat asleep"}
    )
    assert response.status_code == 400
    assert "image" in response.json()["errors"]


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    return SimpleUploadedFile("cat.png", buffer.getvalue(), content_type="image/png")


def test_an_image_post_is_sent_as_multipart(api_client, member):
    from django.test.client import MULTIPART_CONTENT

    response = api_client(member).post(
        "/api/v1/posts",
        {"kind": "image", "title": "A square", "image_alt": "A teal square", "image": _png()},
        content_type=MULTIPART_CONTENT,
    )
    assert response.status_code == 201, response.json()
    image = response.json()["image"]
    assert image["alt"] == "A teal square"
    assert image["url"]
    assert (image["width"], image["height"]) == (40, 30)


def test_an_image_that_is_not_an_image_is_refused(api_client, member):
    from django.test.client import MULTIPART_CONTENT

    fake = SimpleUploadedFile("cat.png", b"<?php echo 1; ?>", content_type="image/png")
    response = api_client(member).post(
        "/api/v1/posts",
        {"kind": "image", "title": "A cat", "image_alt": "A cat", "image": fake},
        content_type=MULTIPART_CONTENT,
    )
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_create_needs_an_admitted_member(api_client, waitlisted):
    payload = {"kind": "text", "body": "hello"}
    assert api_client(None).post("/api/v1/posts", payload).status_code == 401
    response = api_client(waitlisted).post("/api/v1/posts", payload)
    assert response.status_code == 403
    assert response.json()["code"] == "waitlisted"


# --- Read -----------------------------------------------------------------------------


def test_read_a_post(api_client, member):
    post = make_post(member, title="Hello", body="Some *text*.")
    response = api_client(None).get(f"/api/v1/posts/{post.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(post.pk)
    assert body["title"] == "Hello"
    assert body["body"] == "Some *text*."
    assert body["body_html"] == "<p>Some <em>text</em>.</p>\n"
    assert body["revision"] == str(current_revision(post))
    assert body["pending_revisions"] == 0


@pytest.mark.parametrize("post_id", ["0", "abc", "99999999999999999999999", "1.5"])
def test_an_unknown_or_malformed_id_is_not_found(api_client, db, post_id):
    response = api_client(None).get(f"/api/v1/posts/{post_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_private_post_is_for_members_only(api_client, member, other_member, private):
    post = make_post(member, subwiki=private)
    assert api_client(None).get(f"/api/v1/posts/{post.pk}").status_code == 404
    assert api_client(other_member).get(f"/api/v1/posts/{post.pk}").status_code == 404
    assert api_client(member).get(f"/api/v1/posts/{post.pk}").status_code == 200


def test_a_members_posts_leave_out_what_the_reader_may_not_see(
    api_client, member, other_member, private
):
    public = make_post(member, title="Public")
    hidden = make_post(member, subwiki=private, title="Hidden")
    make_post(other_member, title="Someone else's")
    path = f"/api/v1/members/{member.username}/posts"
    assert [p["id"] for p in api_client(other_member).get(path).json()["items"]] == [str(public.pk)]
    assert [p["id"] for p in api_client(member).get(path).json()["items"]] == [
        str(hidden.pk),
        str(public.pk),
    ]
    assert api_client(None).get("/api/v1/members/nobody/posts").status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_a_members_posts_cost_the_same_queries_however_many(
    api_client, member, django_assert_max_num_queries, count
):
    subwiki = make_subwiki(MemberFactory.create())
    for n in range(count):
        make_post(member, subwiki=subwiki if n % 2 else None, title=f"Post {n}")
    client = api_client(MemberFactory.create())
    with django_assert_max_num_queries(5):
        response = client.get(f"/api/v1/members/{member.username}/posts", {"limit": 100})
    assert len(response.json()["items"]) == count


# --- Edit -----------------------------------------------------------------------------


def test_an_edit_from_the_current_revision_goes_live(api_client, member, other_member):
    post = make_post(member, body=BODY)
    base = current_revision(post)
    response = api_client(other_member).patch(
        f"/api/v1/posts/{post.pk}",
        {"body": BODY + "Fourth.\n", "summary": "one more", "base_revision": str(base)},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["merged"] is False
    assert body["pending"] is False
    assert body["changed"] is True
    assert body["body"] == BODY + "Fourth.\n"
    assert body["revision"] != str(base)
    assert body["edited_at"] is not None
    revision = Revision.objects.get(pk=body["revision"])
    assert (revision.summary, revision.author) == ("one more", other_member)


def test_edits_from_the_same_base_merge_cleanly(api_client, member, other_member):
    post = make_post(member, body=BODY)
    base = current_revision(post)
    first = api_client(member).patch(
        f"/api/v1/posts/{post.pk}",
        {"body": BODY.replace("First", "1st"), "base_revision": base},
    )
    assert first.json()["merged"] is False
    second = api_client(other_member).patch(
        f"/api/v1/posts/{post.pk}",
        {"body": BODY.replace("Third", "3rd"), "base_revision": base},
    )
    assert second.status_code == 200
    assert second.json()["merged"] is True
    assert second.json()["body"] == "1st line.\nSecond line.\n3rd line.\n"


def test_a_conflict_is_a_409_that_saves_nothing_and_loses_nothing(api_client, member, other_member):
    post = make_post(member, title="Title", body=BODY)
    base = current_revision(post)
    api_client(member).patch(
        f"/api/v1/posts/{post.pk}",
        {"body": BODY.replace("Second", "2nd"), "base_revision": base},
    )
    revisions = Revision.objects.count()
    mine = BODY.replace("Second", "Deuxième")
    response = api_client(other_member).patch(
        f"/api/v1/posts/{post.pk}",
        {"body": mine, "title": "Titre", "summary": "traduction", "base_revision": base},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "edit_conflict"
    assert body["detail"]
    assert body["current"]["body"] == BODY.replace("Second", "2nd")
    assert body["current"]["revision"] == str(current_revision(post))
    assert body["yours"] == {"body": mine, "title": "Titre", "summary": "traduction"}
    assert body["conflicts"]["body"] == [
        {"base": "Second line.\n", "current": "2nd line.\n", "yours": "Deuxième line.\n"}
    ]
    assert Revision.objects.count() == revisions
    post.refresh_from_db()
    assert post.title == "Title"


def test_a_reviewed_post_keeps_a_newcomers_edit_pending(api_client, member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    response = api_client(other_member).patch(
        f"/api/v1/posts/{post.pk}",
        {"body": BODY + "New.\n", "base_revision": current_revision(post)},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["pending"] is True
    assert body["body"] == BODY  # readers still see the live text
    assert body["pending_revisions"] == 1
    pending = Revision.objects.get(pk=body["pending_revision"])
    assert pending.status == RevisionStatus.PENDING
    assert pending.content["body"] == BODY + "New.\n"


def test_the_author_edits_a_reviewed_post_live(api_client, member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    response = api_client(member).patch(
        f"/api/v1/posts/{post.pk}", {"body": "Mine.\n", "base_revision": current_revision(post)}
    )
    assert response.json()["pending"] is False
    assert response.json()["body"] == "Mine.\n"


def test_a_locked_post_refuses_other_editors(api_client, member, other_member):
    post = make_post(member, edit_policy="locked")
    response = api_client(other_member).patch(
        f"/api/v1/posts/{post.pk}", {"title": "Mine", "base_revision": current_revision(post)}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This post is locked: only its author may edit it."


def test_only_the_author_changes_the_edit_policy(api_client, member, other_member):
    post = make_post(member)
    refused = api_client(other_member).patch(f"/api/v1/posts/{post.pk}", {"edit_policy": "locked"})
    assert refused.status_code == 403
    accepted = api_client(member).patch(f"/api/v1/posts/{post.pk}", {"edit_policy": "locked"})
    assert accepted.status_code == 200
    assert accepted.json()["edit_policy"] == "locked"
    assert accepted.json()["changed"] is False  # no new revision: the text did not change


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "x"}, "base_revision"),
        ({"title": "x", "base_revision": "abc"}, "base_revision"),
        ({"title": "x", "base_revision": 1.5}, "base_revision"),
        ({"title": "x", "base_revision": "999999"}, "base_revision"),
        ({"title": "", "base_revision": "{base}"}, "title"),
        ({"title": "x", "summary": "s" * 301, "base_revision": "{base}"}, "summary"),
        ({"kind": "text", "base_revision": "{base}"}, "kind"),
        ({"body": "a\x00", "base_revision": "{base}"}, "body"),
    ],
)
def test_bad_edits_name_the_field_and_save_nothing(api_client, member, payload, field):
    post = make_post(member)
    base = current_revision(post)
    payload = {k: v.format(base=base) if isinstance(v, str) else v for k, v in payload.items()}
    response = api_client(member).patch(f"/api/v1/posts/{post.pk}", payload)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert current_revision(post) == base


def test_a_revision_of_another_post_is_no_base(api_client, member):
    post = make_post(member)
    other = make_post(member)
    response = api_client(member).patch(
        f"/api/v1/posts/{post.pk}", {"title": "x", "base_revision": current_revision(other)}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_base_revision"


def test_editing_a_private_post_is_not_found_for_outsiders(
    api_client, member, other_member, private
):
    post = make_post(member, subwiki=private)
    response = api_client(other_member).patch(
        f"/api/v1/posts/{post.pk}", {"title": "x", "base_revision": current_revision(post)}
    )
    assert response.status_code == 404


def test_editing_needs_an_admitted_member(api_client, member, waitlisted):
    post = make_post(member)
    payload = {"title": "x", "base_revision": current_revision(post)}
    assert api_client(None).patch(f"/api/v1/posts/{post.pk}", payload).status_code == 401
    response = api_client(waitlisted).patch(f"/api/v1/posts/{post.pk}", payload)
    assert response.status_code == 403
    assert response.json()["code"] == "waitlisted"
