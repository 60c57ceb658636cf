"""The post pages and their revision pages, as visitors, authors, other members and
moderators use them: with and without htmx."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Access, Member
from tribune.communities import services as communities
from tribune.communities.models import Subwiki
from tribune.posts.models import Post
from tribune.posts.selectors import post_queryset
from tribune.posts.services import post_edit
from tribune.wiki.models import Revision, RevisionStatus

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
BODY = "First line.\nSecond line.\nThird line.\n"


def client_for(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def head(post: Post) -> int:
    post.page.refresh_from_db()
    revision_id = post.page.current_revision_id
    assert revision_id is not None
    return revision_id


def edit(post: Post, member: Member, **changes: str) -> Revision:
    _post, result = post_edit(
        actor=member, post_id=post.pk, base_revision=head(post), changes=changes
    )
    return result.revision


def private_subwiki_with(owner: Member, *members: Member) -> Subwiki:
    subwiki = make_subwiki(owner, visibility="private")
    for member in members:
        communities.subwiki_join(actor=member, subwiki=subwiki)
        communities.membership_approve(actor=owner, subwiki=subwiki, username=member.username)
    return subwiki


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def assert_well_formed(content: bytes) -> None:
    """Every element the page or fragment opens, it closes, in order."""
    parser = _Balance()
    parser.feed(content.decode())
    parser.close()
    assert not parser.problems and not parser.open, (parser.problems, parser.open)


def png(size: tuple[int, int] = (40, 30)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(data, "PNG")
    data.seek(0)
    data.name = "picture.png"
    return data


# --- The post's page ----------------------------------------------------------------------


def test_visitor_reads_a_post_with_its_author_times_and_history_but_no_edit(member):
    post = make_post(member, title="Tidal power", body="Waves **turn** turbines.\n")
    response = Client().get(post.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tidal power" in html and "<strong>turn</strong>" in html
    assert member.name in html and reverse("feeds:profile", args=[member.username]) in html
    assert '<time datetime="' in html
    assert reverse("posts:history", args=[post.pk]) in html
    assert reverse("posts:edit", args=[post.pk]) not in html
    assert_well_formed(response.content)


def test_members_get_an_edit_button_that_htmx_swaps_in(member, other_member):
    post = make_post(member)
    html = client_for(other_member).get(post.get_absolute_url()).content.decode()
    edit_url = reverse("posts:edit", args=[post.pk])
    assert f'href="{edit_url}"' in html and f'hx-get="{edit_url}"' in html


def test_an_edited_post_is_marked_and_links_to_its_history(member, other_member):
    post = make_post(member)
    edit(post, other_member, title="A better title")
    html = Client().get(post.get_absolute_url()).content.decode()
    assert "A better title" in html
    assert "edited" in html


def test_script_in_a_body_is_shown_as_text(member):
    post = make_post(member, body="<script>alert('x')</script>\n\n[click](javascript:alert(1))\n")
    html = Client().get(post.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;" in html


def test_mentions_link_only_to_members_that_exist(member, django_assert_max_num_queries):
    ada = MemberFactory.create(username="ada_l")
    post = make_post(member, body="Thanks @ada_l and @nobody_here, and `@ada_l` in code.\n")
    with django_assert_max_num_queries(6):
        html = Client().get(post.get_absolute_url()).content.decode()
    assert f'<a href="{reverse("feeds:profile", args=[ada.username])}"' in html
    assert "@nobody_here" in html and "/u/nobody_here/" not in html
    assert "<code>@ada_l</code>" in html


def test_link_post_shows_that_its_preview_is_on_its_way(member):
    post = make_post(member, kind="link", title="A report", body="", url="https://example.org/r")
    html = Client().get(post.get_absolute_url()).content.decode()
    assert 'href="https://example.org/r"' in html
    assert "Fetching a preview" in html


def test_a_ready_link_preview_is_shown(member):
    post = make_post(member, kind="link", title="A report", body="", url="https://example.org/r")
    Post.objects.filter(pk=post.pk).update(
        preview_status="ready", preview_title="The Report", preview_site_name="Example News"
    )
    html = Client().get(post.get_absolute_url()).content.decode()
    assert "The Report" in html and "Example News" in html


def test_private_posts_are_not_found_by_outsiders(member, other_member, staff):
    insider = MemberFactory.create()
    subwiki = private_subwiki_with(member, insider)
    post = make_post(member, subwiki=subwiki, title="Secret plans")
    for name in ("detail", "history", "diff", "edit"):
        path = reverse(f"posts:{name}", args=[post.pk])
        assert Client().get(path).status_code in {404, 302}
        response = client_for(other_member).get(path)
        assert response.status_code == 404, name
        assert b"Secret plans" not in response.content
    path = reverse("posts:revision", args=[post.pk, head(post)])
    assert client_for(other_member).get(path).status_code == 404
    assert client_for(insider).get(post.get_absolute_url()).status_code == 200
    assert client_for(staff).get(post.get_absolute_url()).status_code == 200


def test_unknown_post_is_not_found(member):
    assert Client().get(reverse("posts:detail", args=[999999])).status_code == 404


def test_reviewers_see_pending_edits_with_links(member, other_member):
    post = make_post(member, edit_policy="reviewed")
    pending = edit(post, other_member, body=BODY + "Suggested.\n")
    assert pending.status == RevisionStatus.PENDING
    revision_url = reverse("posts:revision", args=[post.pk, pending.pk])
    author_page = client_for(member).get(post.get_absolute_url()).content.decode()
    assert "1 edit waits for review" in author_page and revision_url in author_page
    reader_page = client_for(MemberFactory.create()).get(post.get_absolute_url()).content.decode()
    assert revision_url not in reader_page
    assert "Suggested." not in reader_page
    assert "Suggest an edit" in reader_page


# --- Creating posts -----------------------------------------------------------------------


def test_visitors_are_sent_to_log_in_to_post():
    response = Client().get(reverse("posts:create"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_waitlisted_members_are_told_they_cannot_post_yet():
    waiting = MemberFactory.create(access=Access.WAITLISTED)
    response = client_for(waiting).get(reverse("posts:create"))
    assert response.status_code == 403
    assert b"Only admitted members can post." in response.content


def test_new_post_form_preselects_the_subwiki_and_its_edit_policies(member):
    subwiki = make_subwiki(member)
    subwiki.min_post_edit_policy = "members"
    subwiki.save()
    response = client_for(member).get(reverse("posts:create") + f"?subwiki={subwiki.slug}")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{subwiki.slug}" selected>' in html
    assert 'value="open"' not in html and 'value="members"' in html
    assert 'enctype="multipart/form-data"' in html


def test_each_kind_asks_for_its_own_fields(member):
    client = client_for(member)
    link = client.get(reverse("posts:create") + "?kind=link").content.decode()
    assert 'name="url"' in link and 'name="image"' not in link
    image = client.get(reverse("posts:create") + "?kind=image").content.decode()
    assert 'name="image"' in image and 'name="image_alt"' in image and 'name="url"' not in image
    article = client.get(reverse("posts:create") + "?kind=article").content.decode()
    assert 'name="url"' not in article and 'name="body"' in article


def test_publishing_an_article_in_a_subwiki(member):
    subwiki = make_subwiki(member)
    response = client_for(member).post(
        reverse("posts:create"),
        {
            "kind": "article",
            "subwiki": subwiki.slug,
            "title": "On tides",
            "body": "Tides rise.\n",
            "edit_policy": "open",
        },
    )
    post = Post.objects.get(title="On tides")
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert post.subwiki == subwiki and post.author == member


def test_publishing_on_ones_profile(member):
    client_for(member).post(
        reverse("posts:create"),
        {
            "kind": "text",
            "subwiki": "",
            "title": "",
            "body": "Just a thought.",
            "edit_policy": "locked",
        },
    )
    post = Post.objects.get(author=member)
    assert post.subwiki is None and post.title == "Just a thought." and post.edit_policy == "locked"


def test_a_link_post_without_a_link_is_refused_with_the_text_kept(member):
    response = client_for(member).post(
        reverse("posts:create"),
        {
            "kind": "link",
            "subwiki": "",
            "title": "Read this",
            "url": "javascript:alert(1)",
            "body": "My comment",
            "edit_policy": "open",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a web address starting with http:// or https://." in html
    assert "My comment" in html
    assert not Post.objects.exists()


def test_an_image_post_needs_alt_text(member):
    response = client_for(member).post(
        reverse("posts:create"),
        {
            "kind": "image",
            "subwiki": "",
            "title": "Sunset",
            "image": png(),
            "image_alt": "",
            "edit_policy": "open",
        },
    )
    assert response.status_code == 200
    assert not Post.objects.exists()
    assert 'id="id_image_alt_error"' in response.content.decode()


def test_publishing_an_image_post(member):
    response = client_for(member).post(
        reverse("posts:create"),
        {
            "kind": "image",
            "subwiki": "",
            "title": "Sunset",
            "image": png(),
            "image_alt": "A red square",
            "edit_policy": "open",
        },
    )
    post = Post.objects.get(title="Sunset")
    assert response.status_code == 302
    html = Client().get(post.get_absolute_url()).content.decode()
    assert 'alt="A red square"' in html


def test_posting_in_a_private_subwiki_one_is_not_in_is_refused(member, other_member):
    subwiki = private_subwiki_with(member)
    response = client_for(other_member).post(
        reverse("posts:create"),
        {
            "kind": "article",
            "subwiki": subwiki.slug,
            "title": "Intrusion",
            "body": "Hi",
            "edit_policy": "open",
        },
    )
    assert response.status_code == 200
    assert not Post.objects.exists()
    assert subwiki.name not in response.content.decode()


def test_a_stricter_subwiki_refuses_an_open_policy_clearly(member):
    subwiki = make_subwiki(member)
    subwiki.min_post_edit_policy = "reviewed"
    subwiki.save()
    response = client_for(member).post(
        reverse("posts:create"),
        {
            "kind": "article",
            "subwiki": subwiki.slug,
            "title": "T",
            "body": "B",
            "edit_policy": "open",
        },
    )
    assert "asks for a stricter edit policy" in response.content.decode()
    assert not Post.objects.exists()


def test_preview_without_javascript_keeps_the_text_and_saves_nothing(member):
    response = client_for(member).post(
        reverse("posts:create"),
        {
            "kind": "article",
            "subwiki": "",
            "title": "Draft",
            "body": "Some **bold** idea",
            "edit_policy": "open",
            "preview": "1",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>bold</strong>" in html and "Some **bold** idea" in html
    assert not Post.objects.exists()


# --- The preview fragment -----------------------------------------------------------------


def test_preview_fragment_is_sanitised(member):
    response = client_for(member).post(
        reverse("posts:preview"),
        {"body": "<script>alert(1)</script> <img src=x onerror=alert(1)> [a](javascript:x) **b**"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html and "onerror" not in html.replace("onerror=alert", "")
    assert "<img" not in html and 'href="javascript' not in html
    assert "<strong>b</strong>" in html and "<html" not in html
    assert_well_formed(response.content)


def test_preview_needs_a_member_and_a_post():
    assert Client().post(reverse("posts:preview"), {"body": "x"}).status_code == 302
    assert client_for(MemberFactory.create()).get(reverse("posts:preview")).status_code == 405


def test_preview_refuses_huge_text(member):
    response = client_for(member).post(reverse("posts:preview"), {"body": "x" * 100_001})
    assert b"too long to preview" in response.content


# --- Editing ------------------------------------------------------------------------------


def test_edit_page_starts_from_the_current_revision(member, other_member):
    post = make_post(member, body=BODY)
    response = client_for(other_member).get(reverse("posts:edit", args=[post.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="base_revision" value="{head(post)}"' in html
    assert "Second line." in html
    assert 'name="edit_policy"' not in html  # only the author and moderators choose
    assert (
        'name="edit_policy"'
        in client_for(member).get(reverse("posts:edit", args=[post.pk])).content.decode()
    )


def test_saving_an_edit(member, other_member):
    post = make_post(member, body=BODY)
    response = client_for(other_member).post(
        reverse("posts:edit", args=[post.pk]),
        {
            "title": "A title",
            "body": BODY.replace("Second", "2nd"),
            "summary": "shorter",
            "base_revision": head(post),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == post.get_absolute_url()
    assert "Your edit is saved." in response.content.decode()
    post.refresh_from_db()
    assert "2nd line." in post.body
    assert post.page.current_revision is not None
    assert post.page.current_revision.summary == "shorter"


def test_browser_line_ends_make_no_empty_revision(member):
    post = make_post(member, body=BODY)
    client_for(member).post(
        reverse("posts:edit", args=[post.pk]),
        {
            "title": "A title",
            "body": BODY.replace("\n", "\r\n"),
            "base_revision": head(post),
            "edit_policy": "open",
        },
    )
    assert Revision.objects.filter(page=post.page).count() == 1


def test_edit_conflict_keeps_the_members_text_and_answers_409(member, other_member):
    post = make_post(member, body=BODY)
    base = head(post)
    edit(post, member, body=BODY.replace("Second", "Segundo"))
    mine = BODY.replace("Second", "Zweite")
    response = client_for(other_member).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "A title", "body": mine, "summary": "translate", "base_revision": base},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed the same part" in html
    assert f">{mine}</textarea>" in html.replace("\r\n", "\n") or "Zweite line." in html
    assert 'name="summary"' in html and 'value="translate"' in html
    assert "<ins>Zweite</ins>" in html and "<del>Segundo</del>" in html
    # Saving again starts from the text the member has now seen.
    assert f'name="base_revision" value="{head(post)}"' in html
    post.refresh_from_db()
    assert "Segundo" in post.body and Revision.objects.filter(page=post.page).count() == 2


def test_edits_at_both_ends_merge_and_say_so(member, other_member):
    post = make_post(member, body=BODY)
    base = head(post)
    edit(post, member, body=BODY.replace("First", "1st"))
    response = client_for(other_member).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "A title", "body": BODY.replace("Third", "3rd"), "base_revision": base},
        follow=True,
    )
    assert "merged with the edits made while you were writing" in response.content.decode()
    post.refresh_from_db()
    assert post.body == "1st line.\nSecond line.\n3rd line.\n"


def test_a_reviewed_post_keeps_an_edit_waiting(member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    page = client_for(other_member).get(reverse("posts:edit", args=[post.pk])).content.decode()
    assert "Your edit will wait for review" in page
    response = client_for(other_member).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "A title", "body": BODY + "More.\n", "base_revision": head(post)},
        follow=True,
    )
    assert "Your edit waits for review" in response.content.decode()
    post.refresh_from_db()
    assert post.body == BODY


def test_a_locked_post_tells_others_why_they_cannot_edit(member, other_member):
    post = make_post(member, edit_policy="locked")
    response = client_for(other_member).get(reverse("posts:edit", args=[post.pk]))
    assert response.status_code == 403
    assert b"only its author may edit it" in response.content
    response = client_for(other_member).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "Hijack", "body": "x", "base_revision": head(post)},
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.title == "A title"


def test_visitors_are_sent_to_log_in_to_edit(member):
    post = make_post(member)
    response = Client().get(reverse("posts:edit", args=[post.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_moderator_may_edit_a_protected_post(member, moderator):
    subwiki = make_subwiki(member)
    post = make_post(member, subwiki=subwiki, body=BODY, edit_policy="protected")
    assert (
        client_for(MemberFactory.create()).get(reverse("posts:edit", args=[post.pk])).status_code
        == 403
    )
    response = client_for(moderator).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "Checked", "body": BODY, "base_revision": head(post)},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Checked"


def test_edit_form_errors_keep_the_text(member):
    post = make_post(member, body=BODY)
    response = client_for(member).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "", "body": "Kept words", "base_revision": head(post), "edit_policy": "open"},
    )
    assert response.status_code == 200
    assert "Kept words" in response.content.decode()
    assert Revision.objects.filter(page=post.page).count() == 1


def test_edit_preview_without_javascript(member):
    post = make_post(member, body=BODY)
    response = client_for(member).post(
        reverse("posts:edit", args=[post.pk]),
        {
            "title": "A title",
            "body": "# Heading\n\nNew _text_",
            "base_revision": head(post),
            "edit_policy": "open",
            "preview": "1",
        },
    )
    html = response.content.decode()
    assert "<h1>Heading</h1>" in html and "<em>text</em>" in html and "New _text_" in html
    assert Revision.objects.filter(page=post.page).count() == 1


def test_inline_edit_with_htmx(member, other_member):
    post = make_post(member, body=BODY)
    client = client_for(other_member)
    form = client.get(reverse("posts:edit", args=[post.pk]), headers=HTMX)
    assert form.status_code == 200 and b"<html" not in form.content
    assert b'id="post"' in form.content and b"hx-post" in form.content
    assert_well_formed(form.content)
    saved = client.post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "Inline", "body": BODY, "base_revision": head(post)},
        headers=HTMX,
    )
    assert saved.status_code == 200 and b"<html" not in saved.content
    assert b"Your edit is saved." in saved.content and b"Inline" in saved.content
    assert_well_formed(saved.content)
    # Cancel asks the post's page for its fragment.
    fragment = client.get(post.get_absolute_url(), headers=HTMX)
    assert b"<html" not in fragment.content and b'id="post"' in fragment.content


def test_inline_edit_conflict_comes_back_into_the_page(member, other_member):
    post = make_post(member, body=BODY)
    base = head(post)
    edit(post, member, body=BODY.replace("Third", "Tercera"))
    response = client_for(other_member).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "A title", "body": BODY.replace("Third", "Troisième"), "base_revision": base},
        headers=HTMX,
    )
    # htmx swaps only 2xx answers, so the fragment comes with 200 and says what happened.
    assert response.status_code == 200
    assert b"Someone else changed the same part" in response.content
    assert "Troisième line.".encode() in response.content


# --- History --------------------------------------------------------------------------------


def test_history_lists_revisions_newest_first_with_their_marks(member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    edit(post, member, body=BODY + "Fourth.\n")
    pending = edit(post, other_member, body=BODY + "Spam.\n")
    response = client_for(member).get(reverse("posts:history", args=[post.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "pending review" in html and "current" in html and "+8" in html
    assert html.index(f'value="{pending.pk}"') < html.index(f'value="{head(post)}"')
    # The author reviews: approve and reject buttons on the pending row.
    assert reverse("moderation:post_approve", args=[post.pk, pending.pk]) in html
    assert (
        'form="compare-form"' in html and 'action="' + reverse("posts:diff", args=[post.pk]) in html
    )
    assert_well_formed(response.content)


def test_history_shows_restore_to_editors_and_rollback_to_moderators(
    member, other_member, moderator
):
    subwiki = make_subwiki(MemberFactory.create())
    post = make_post(member, subwiki=subwiki, body=BODY)
    edit(post, other_member, body="vandal\n")
    visitor = Client().get(reverse("posts:history", args=[post.pk])).content.decode()
    assert "Restore this version" not in visitor and "Roll back" not in visitor
    editor = client_for(member).get(reverse("posts:history", args=[post.pk])).content.decode()
    assert "Restore this version" in editor and "Roll back" not in editor
    mod = client_for(moderator).get(reverse("posts:history", args=[post.pk])).content.decode()
    assert f"Roll back the latest edits by @{other_member.username}" in mod


@pytest.mark.parametrize("edits", [3, 30])
def test_history_queries_stay_bounded(member, edits, django_assert_max_num_queries):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    for i in range(edits):
        edit(post, MemberFactory.create(), body=BODY + f"Line {i}.\n")
    client = client_for(member)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("posts:history", args=[post.pk]))
    assert response.status_code == 200


def test_history_loads_more_by_cursor(member):
    post = make_post(member, body=BODY)
    for i in range(22):
        edit(post, member, body=BODY + f"Line {i}.\n")
    page = Client().get(reverse("posts:history", args=[post.pk])).content.decode()
    assert "Load older revisions" in page
    first_rev = Revision.objects.filter(page=post.page).earliest("id")
    assert f'id="from-{first_rev.pk}"' not in page
    next_url = page.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    more = Client().get(next_url, headers=HTMX)
    assert more.status_code == 200 and b"<html" not in more.content
    assert f'id="from-{first_rev.pk}"'.encode() in more.content
    assert b"Load older revisions" not in more.content
    without_js = Client().get(next_url)
    assert (
        b"<html" in without_js.content
        and f'id="from-{first_rev.pk}"'.encode() in without_js.content
    )


def test_history_with_a_damaged_cursor_says_so(member):
    post = make_post(member)
    response = Client().get(reverse("posts:history", args=[post.pk]) + "?cursor=%%%garbage")
    assert response.status_code == 400
    assert b"This cursor is not valid" in response.content


# --- Diffs and revisions --------------------------------------------------------------------


def test_diff_shows_word_changes_with_a_legend(member, other_member):
    post = make_post(member, body=BODY)
    first = head(post)
    second = edit(post, other_member, body=BODY.replace("Second line", "Second row"))
    response = Client().get(reverse("posts:diff", args=[post.pk]) + f"?from={first}&to={second.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>line</del>" in html and "<ins>row</ins>" in html
    assert "struck-through text</del> was removed" in html
    assert "Before:" in html and "After:" in html
    assert_well_formed(response.content)


def test_diff_escapes_html(member, other_member):
    post = make_post(member, body=BODY)
    edit(post, other_member, body=BODY + "<script>alert('owned')</script>\n")
    html = Client().get(reverse("posts:diff", args=[post.pk])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_diff_defaults_and_order(member, other_member):
    post = make_post(member, body=BODY)
    first = head(post)
    second = edit(post, other_member, title="New title")
    url = reverse("posts:diff", args=[post.pk])
    # No parameters: the latest change. Reversed: the older one still comes first.
    for query in ("", f"?to={second.pk}", f"?from={second.pk}&to={first}"):
        html = Client().get(url + query).content.decode()
        assert "<ins>New</ins>" in html or "<ins>New title</ins>" in html, query
    # The first revision: everything was added.
    html = Client().get(url + f"?to={first}").content.decode()
    assert "this is the first version" in html
    assert "<ins>First line.</ins>" in html


@pytest.mark.parametrize("query", ["?from=abc", "?from=999999", "?to=-1", "?from=1e9&to=x"])
def test_diff_with_bad_ids_is_not_found(member, query):
    post = make_post(member)
    assert Client().get(reverse("posts:diff", args=[post.pk]) + query).status_code == 404


def test_diff_refuses_a_revision_of_another_post(member):
    post = make_post(member)
    other = make_post(member)
    query = f"?from={head(post)}&to={head(other)}"
    assert Client().get(reverse("posts:diff", args=[post.pk]) + query).status_code == 404


def test_old_revision_page_shows_its_content_and_a_restore_button(member, other_member):
    post = make_post(member, title="Original", body="Old *words*\n")
    first = head(post)
    edit(post, other_member, title="Changed", body="New words\n")
    url = reverse("posts:revision", args=[post.pk, first])
    html = client_for(member).get(url).content.decode()
    assert "Original" in html and "<em>words</em>" in html
    assert "This is an old version" in html and "Restore this version" in html
    assert "Restore this version" not in Client().get(url).content.decode()
    assert (
        client_for(member).get(reverse("posts:revision", args=[post.pk, 999999])).status_code == 404
    )


# --- Revert, rollback, review ---------------------------------------------------------------


def test_revert_restores_an_old_version(member, other_member):
    post = make_post(member, body=BODY)
    first = head(post)
    edit(post, other_member, body="Vandalised\n")
    response = client_for(member).post(
        reverse("posts:revert", args=[post.pk]), {"revision": first, "summary": "undo"}, follow=True
    )
    assert f"Revision {first} is restored" in response.content.decode()
    post.refresh_from_db()
    assert post.body == BODY
    assert post.page.current_revision is not None
    assert post.page.current_revision.reverted_to_id == first


def test_revert_is_refused_to_those_who_may_not_edit(member, other_member):
    post = make_post(member, body=BODY, edit_policy="locked")
    first = head(post)
    edit(post, member, body="Changed\n")
    response = client_for(other_member).post(
        reverse("posts:revert", args=[post.pk]), {"revision": first}
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.body == "Changed\n"
    assert (
        Client().post(reverse("posts:revert", args=[post.pk]), {"revision": first}).status_code
        == 302
    )
    assert client_for(member).get(reverse("posts:revert", args=[post.pk])).status_code == 405


def test_revert_to_a_revision_of_another_post_is_refused_clearly(member):
    post = make_post(member)
    other = make_post(member)
    response = client_for(member).post(
        reverse("posts:revert", args=[post.pk]), {"revision": head(other)}, follow=True
    )
    assert "This revision does not belong to this page." in response.content.decode() or (
        "does not belong to this page" in response.content.decode()
    )


def test_moderators_roll_back_a_members_edits(member, other_member, moderator):
    subwiki = make_subwiki(MemberFactory.create())
    post = make_post(member, subwiki=subwiki, body=BODY)
    edit(post, other_member, body="spam\n")
    edit(post, other_member, body="more spam\n")
    refused = client_for(member).post(
        reverse("moderation:post_rollback", args=[post.pk]), {"username": other_member.username}
    )
    assert refused.status_code == 403
    response = client_for(moderator).post(
        reverse("moderation:post_rollback", args=[post.pk]),
        {"username": other_member.username},
        follow=True,
    )
    assert f"The edits by {other_member.username} are rolled back." in response.content.decode()
    post.refresh_from_db()
    assert post.body == BODY


def test_rollback_when_the_latest_edit_is_by_someone_else_says_so(member, other_member, moderator):
    post = make_post(member, body=BODY)
    edit(post, other_member, body="x\n")
    edit(post, member, body="y\n")
    response = client_for(moderator).post(
        reverse("moderation:post_rollback", args=[post.pk]),
        {"username": other_member.username},
        follow=True,
    )
    assert "nothing to roll back" in response.content.decode()


def test_approving_and_rejecting_pending_edits(member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    good = edit(post, other_member, body=BODY + "Good.\n")
    bad = edit(post, MemberFactory.create(), title="Bad title")
    outsider = client_for(MemberFactory.create())
    assert (
        outsider.post(reverse("moderation:post_approve", args=[post.pk, good.pk])).status_code
        == 403
    )
    response = client_for(member).post(
        reverse("moderation:post_approve", args=[post.pk, good.pk]), follow=True
    )
    assert "The edit is approved" in response.content.decode()
    post.refresh_from_db()
    assert post.body == BODY + "Good.\n"
    response = client_for(member).post(
        reverse("moderation:post_reject", args=[post.pk, bad.pk]), follow=True
    )
    assert "The edit is rejected" in response.content.decode()
    bad.refresh_from_db()
    assert bad.status == RevisionStatus.REJECTED
    # A second decision about the same edit is refused with a message, not an error page.
    again = client_for(member).post(
        reverse("moderation:post_reject", args=[post.pk, bad.pk]), follow=True
    )
    assert "not waiting for review" in again.content.decode()


def test_revision_page_offers_review_of_a_pending_edit(member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    pending = edit(post, other_member, body=BODY + "Maybe.\n")
    url = reverse("posts:revision", args=[post.pk, pending.pk])
    html = client_for(member).get(url).content.decode()
    assert "Approve this edit" in html and "waits for review" in html
    assert "Approve this edit" not in client_for(MemberFactory.create()).get(url).content.decode()


# --- Recent changes and contributions ---------------------------------------------------------


def test_recent_changes_lists_edits_newest_first_without_private_ones(member, other_member):
    public = make_post(member, title="Public news")
    edit(public, other_member, body="Edited.\n")
    secret = make_post(member, subwiki=private_subwiki_with(member), title="Hidden news")
    html = client_for(other_member).get(reverse("posts:recent_changes")).content.decode()
    assert "Public news" in html and "Hidden news" not in html
    assert reverse("posts:diff", args=[public.pk]) in html
    mine = client_for(member).get(reverse("posts:recent_changes")).content.decode()
    assert "Hidden news" in mine and reverse("posts:history", args=[secret.pk]) in mine


@pytest.mark.parametrize("count", [2, 25])
def test_recent_changes_queries_stay_bounded(member, count, django_assert_max_num_queries):
    subwiki = make_subwiki(member)
    for i in range(count):
        post = make_post(member, subwiki=subwiki if i % 2 else None, title=f"Post {i}")
        edit(post, MemberFactory.create(), body=f"Edit {i}\n")
    client = client_for(member)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("posts:recent_changes"))
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        Client().get(reverse("posts:recent_changes"))


def test_recent_changes_load_more(member):
    for i in range(12):
        post = make_post(member, title=f"Post {i}")
        edit(post, member, body=f"Edit {i}\n")
    page = Client().get(reverse("posts:recent_changes")).content.decode()
    assert "Load older changes" in page
    next_url = page.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    more = Client().get(next_url, headers=HTMX)
    assert b"Post 0" in more.content and b"<html" not in more.content


def test_contributions_list_a_members_edits(member, other_member):
    post = make_post(member, title="Their post")
    edit(post, other_member, title="Their post, improved")
    html = (
        Client().get(reverse("posts:contributions", args=[other_member.username])).content.decode()
    )
    assert "Their post, improved" in html
    assert reverse("posts:diff", args=[post.pk]) in html
    assert Client().get(reverse("posts:contributions", args=["nobody_at_all"])).status_code == 404


def test_contributions_hide_private_edits_from_outsiders(member, other_member):
    subwiki = private_subwiki_with(member)
    make_post(member, subwiki=subwiki, title="Members only")
    html = (
        client_for(other_member)
        .get(reverse("posts:contributions", args=[member.username]))
        .content.decode()
    )
    assert "Members only" not in html
    assert (
        "Members only"
        in client_for(member)
        .get(reverse("posts:contributions", args=[member.username]))
        .content.decode()
    )


@pytest.mark.parametrize("count", [2, 25])
def test_contributions_queries_stay_bounded(member, count, django_assert_max_num_queries):
    subwiki = make_subwiki(member)
    for i in range(count):
        make_post(member, subwiki=subwiki if i % 2 else None, title=f"Post {i}")
    client = client_for(MemberFactory.create())
    with django_assert_max_num_queries(6):
        response = client.get(reverse("posts:contributions", args=[member.username]))
    assert response.status_code == 200


# --- The post card ----------------------------------------------------------------------------


def test_post_cards_cost_no_queries_beyond_the_list(member, django_assert_num_queries):
    subwiki = make_subwiki(member)
    make_post(member, subwiki=subwiki, title="An article", body="Some *text* here.\n")
    linked = make_post(member, kind="link", title="A link", body="", url="https://example.org/a")
    Post.objects.filter(pk=linked.pk).update(preview_status="ready", preview_title="Example A")
    edited = make_post(member, title="Edited one")
    edit(edited, member, title="Edited once")
    with django_assert_num_queries(1):
        posts = list(post_queryset(member))
        html = "".join(render_to_string("posts/_post_card.html", {"post": p}) for p in posts)
    assert "Some text here." in html and "<em>" not in html
    assert "Example A" in html and "example.org" in html
    assert reverse("posts:history", args=[edited.pk]) in html
    assert reverse("feeds:subwiki", args=[subwiki.slug]) in html
    assert_well_formed(html.encode())


def test_an_unknown_base_revision_is_explained_and_the_text_kept(member):
    post = make_post(member, body=BODY)
    response = client_for(member).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "A title", "body": "Kept\n", "base_revision": "999999", "edit_policy": "open"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The revision you started from does not belong to this page." in html
    assert "Kept" in html


def test_moderators_see_a_removed_post_marked(member, staff):
    post = make_post(member, title="Gone")
    Post.objects.filter(pk=post.pk).update(is_removed=True)
    assert Client().get(post.get_absolute_url()).status_code == 404
    assert client_for(member).get(post.get_absolute_url()).status_code == 404
    html = client_for(staff).get(post.get_absolute_url()).content.decode()
    assert "Moderators removed this post" in html
