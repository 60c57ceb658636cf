"""The access matrix: what every role gets from every route, written down once.

test_access_matrix.py requests each route and method below as each role and
compares. Every URL pattern of tribune.urls and every operation of the API must
match a row: a new route without its row fails the suite and names the row to add.

Roles (answers.ROLES): visitor, waitlisted, member, other_member, moderator (a
site moderator), staff, suspended. In a row, "*" answers for every role not named.
Answers: a status (200, 404, ...); LOGIN, a redirect to the log-in page with
?next=<this path>; ADMIN_LOGIN; Redirect("url-name" or "/path/"); on the API,
ApiAnswer(status, code), and any API error must be JSON with detail and code.
URL arguments, query and body are formatted with fixtures: "{member.username}".
The subwikis, posts and revisions are tests/access/conftest.py's: `member` owns
and wrote them all, so in these rows "member" is the owner and the author.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from tests.access.answers import ADMIN_LOGIN, LOGIN, ApiAnswer, Redirect, Row, op, page
from tests.factories import PASSWORD
from tribune.accounts.models import Member

# --- Who gets what, in words used below ---------------------------------------------------
SIGNED_IN = {"visitor": LOGIN, "*": 200}
# Admitted members only: waitlisted and suspended members are told they may not.
ADMITTED_PAGE = {"visitor": LOGIN, "waitlisted": 403, "suspended": 403}
STAFF = {"staff": 200, "*": ADMIN_LOGIN}
# A private subwiki is for its members (and staff): to anyone else it does not exist.
PRIVATE_READ = {"member": 200, "staff": 200, "*": 404}
# Trusted with `member`'s posts (reviews, rollbacks) and the subwiki's description: its
# owner and author, site moderators (the subwiki is public) and staff.
TRUSTED_ROLES = ("member", "moderator", "staff")


def trusted(answer: object, *, others: object = 403) -> dict[str, object]:
    """Admitted members only; `answer` for the trusted roles, `others` for the rest."""
    return {**ADMITTED_PAGE, **dict.fromkeys(TRUSTED_ROLES, answer), "*": others}


# Sample URL arguments.
SUBWIKI = {"slug": "{subwiki.slug}"}
PRIVATE = {"slug": "{private_subwiki.slug}"}
POST_ID = {"post_id": "{post.pk}"}
CURRENT = "{post.page.current_revision_id}"
DESCRIPTION = "{subwiki.page.current_revision_id}"
PENDING = {"post_id": "{pending_revision.page.post.pk}", "revision_id": "{pending_revision.pk}"}

# Where pages send people after a form or a button.
SUBWIKI_PAGE = Redirect("/s/{subwiki.slug}/")
MEMBERS_PAGE = Redirect("/s/{subwiki.slug}/members/")
POST_PAGE = Redirect("/p/{post.pk}/")
POST_HISTORY = Redirect("/p/{post.pk}/history/")
PENDING_DESCRIPTION = {"slug": "reviewed-wiki", "revision_id": "{pending_description.pk}"}
DESCRIPTION_HISTORY = Redirect("/s/reviewed-wiki/description/history/")
REVIEWED_SUBWIKI_PAGE = Redirect("/s/reviewed-wiki/")
PENDING_POST_PAGE = Redirect("/p/{pending_revision.page.post.pk}/")
PENDING_HISTORY = Redirect("/p/{pending_revision.page.post.pk}/history/")

# --- Site pages -----------------------------------------------------------------------------
PAGES: list[Row] = [
    page("home", GET=200, POST=405),
    page("healthz", GET=200, POST=405),
    # Uploads are served by unguessable name to anyone; an unknown name is a 404.
    page("media", kwargs={"path": "posts/unknown.png"}, GET=404, POST=405),
    page("feeds:profile", kwargs={"username": "{member.username}"}, GET=200, POST=405),
    page(
        "accounts:settings",
        data={"display_name": "Ada Lovelace", "bio": "Counting engines.", "time_zone": ""},
        GET=SIGNED_IN,
        POST={"visitor": LOGIN, "suspended": 403, "*": Redirect("accounts:settings")},
    ),
    # Without a language it changes nothing and goes back to where it was sent from.
    page(
        "set_language",
        data={"language": "fr", "next": "/"},
        GET=Redirect("home"),
        POST=Redirect("home"),
    ),
    # The JSON API's own pages; its operations are the API rows further down.
    page("api:openapi-json", "api:openapi-view", GET=200),
    page("api:api-root", GET=404),
]

# --- allauth: sign-up, log-in, e-mail, password, two-factor ---------------------------------
ALLAUTH: list[Row] = [
    # Signed in already: waitlisted members are sent to their place in line.
    page(
        "account_login",
        "account_signup",
        GET={"visitor": 200, "waitlisted": Redirect("accounts:waitlist"), "*": Redirect("home")},
    ),
    page("account_logout", GET={"visitor": Redirect("home"), "*": 200}, POST=Redirect("home")),
    page(
        "account_email",
        "account_change_password",
        "account_reauthenticate",
        "mfa_index",
        GET=SIGNED_IN,
    ),
    page("account_set_password", GET={"visitor": LOGIN, "*": Redirect("account_change_password")}),
    page(
        "account_inactive",
        "account_email_verification_sent",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key_done",
        GET=200,
    ),
    # Links from e-mails with a key that does not exist: a page that says so.
    page("account_confirm_email", kwargs={"key": "no-such-key"}, GET=200),
    page(
        "account_reset_password_from_key",
        kwargs={"uidb36": "0", "key": "no-such-key"},
        GET=200,
    ),
    # Steps of a log-in in progress: without one, back to the log-in page (or home).
    page(
        "account_confirm_login_code",
        "mfa_authenticate",
        GET={
            "visitor": Redirect("account_login"),
            "waitlisted": Redirect("accounts:waitlist"),
            "*": Redirect("home"),
        },
    ),
    # Without a second factor there is nothing to reauthenticate with but the password.
    page("mfa_reauthenticate", GET={"visitor": LOGIN, "*": Redirect("account_reauthenticate")}),
    # Adding a factor asks for the password again first (force_login is no recent log-in).
    page(
        "mfa_activate_totp",
        "mfa_generate_recovery_codes",
        GET={"visitor": LOGIN, "*": Redirect("account_reauthenticate", next_=True)},
    ),
    page(
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        GET={"visitor": LOGIN, "*": 404},
    ),
]

# --- The admin: staff only ------------------------------------------------------------------
ADMIN: list[Row] = [
    page("admin:login", GET={"staff": Redirect("admin:index"), "*": 200}),
    page(
        "admin:logout",
        GET={"staff": 405, "*": Redirect("admin:index")},
        POST={"staff": Redirect("home"), "*": Redirect("admin:index")},
    ),
    page(
        "admin:index",
        "admin:password_change",
        "admin:password_change_done",
        "admin:jsi18n",
        GET=STAFF,
    ),
    page("admin:autocomplete", GET={"staff": 403, "*": ADMIN_LOGIN}),
    page("admin:app_list", kwargs={"app_label": "accounts"}, GET=STAFF),
    # Every registered model: its list and its add form are requested.
    page("admin:*_changelist", "admin:*_add", GET=STAFF),
    # What only services may create (with its revisions, counts and rules) is not added
    # here: subwikis are made on the site, memberships and follows on a subwiki's pages,
    # posts and wiki pages with their first revision, revisions by editing.
    page(
        "admin:communities_subwiki_add",
        GET={"staff": Redirect("communities:create"), "*": ADMIN_LOGIN},
    ),
    page(
        "admin:communities_membership_add",
        "admin:communities_subwikifollow_add",
        "admin:posts_post_add",
        "admin:wiki_page_add",
        "admin:wiki_revision_add",
        GET={"staff": 403, "*": ADMIN_LOGIN},
    ),
    # One object's pages, the same for every model: requested for a member.
    page(
        "admin:*_change",
        "admin:*_history",
        "admin:*_delete",
        "admin:auth_user_password_change",
        probe=("admin:accounts_member_*", "admin:auth_user_password_change"),
        kwargs={"object_id": "{member.pk}", "id": "{member.pk}"},
        GET=STAFF,
    ),
    page(
        "admin:view_on_site",
        kwargs={
            "content_type_id": lambda s: ContentType.objects.get_for_model(Member).pk,
            "object_id": "{member.pk}",
        },
        GET={"staff": Redirect("/u/{member.username}/"), "*": ADMIN_LOGIN},
    ),
    # The admin's unnamed routes (an object's bare URL, the catch-all): staff only.
    page("admin/*", path="/admin/no-such-page/", GET={"staff": 404, "*": ADMIN_LOGIN}),
]

# --- Subwikis -------------------------------------------------------------------------------
# Buttons on a subwiki's page: POST only; visitors log in and come back to the page.
BUTTON = {
    "visitor": Redirect("account_login", next_="/s/{subwiki.slug}/"),
    "waitlisted": 403,
    "suspended": 403,
    "*": SUBWIKI_PAGE,
}

SUBWIKIS: list[Row] = [
    page("communities:list", GET=200, POST=405),
    page(
        "communities:create",
        data={"name": "Matrix", "slug": "matrix", "description": "", "visibility": "public"},
        GET={**ADMITTED_PAGE, "*": 200},
        POST={**ADMITTED_PAGE, "*": Redirect("/s/matrix/")},
    ),
    page("feeds:subwiki", "communities:members", kwargs=SUBWIKI, GET=200),
    page("feeds:subwiki", "communities:members", kwargs=PRIVATE, GET=PRIVATE_READ),
    page("communities:join", "communities:follow", kwargs=SUBWIKI, GET=405, POST=BUTTON),
    # Leaving and unfollowing stay possible whatever one's access; not being a member or a
    # follower is a message on the page.
    page(
        "communities:leave",
        "communities:unfollow",
        kwargs=SUBWIKI,
        GET=405,
        POST={**BUTTON, "waitlisted": SUBWIKI_PAGE, "suspended": SUBWIKI_PAGE},
    ),
    # Asking to join a private subwiki needs only its address; it stays hidden meanwhile.
    page(
        "communities:join",
        kwargs=PRIVATE,
        POST={
            "visitor": Redirect("account_login", next_="/s/{private_subwiki.slug}/"),
            # Only admitted members may ask, so to others it still does not exist.
            "waitlisted": 404,
            "suspended": 404,
            "member": Redirect("/s/{private_subwiki.slug}/"),
            "staff": Redirect("/s/{private_subwiki.slug}/"),
            "*": Redirect("communities:list"),
        },
    ),
    # The subwiki's moderators (site moderators too, in a public subwiki) manage members.
    page(
        "communities:invite",
        kwargs=SUBWIKI,
        data={"username": "{other_member.username}"},
        GET={"visitor": LOGIN, "*": 405},
        POST={"visitor": LOGIN, **dict.fromkeys(TRUSTED_ROLES, MEMBERS_PAGE), "*": 403},
    ),
    page(
        "communities:approve",
        "communities:remove",
        kwargs={**SUBWIKI, "username": "{other_member.username}"},
        GET={"visitor": LOGIN, "*": 405},
        POST={"visitor": LOGIN, **dict.fromkeys(TRUSTED_ROLES, MEMBERS_PAGE), "*": 403},
    ),
    # Roles and settings: owners and staff.
    page(
        "communities:set_role",
        kwargs={**SUBWIKI, "username": "{other_member.username}"},
        data={"role": "moderator"},
        GET={"visitor": LOGIN, "*": 405},
        POST={"visitor": LOGIN, "member": MEMBERS_PAGE, "staff": MEMBERS_PAGE, "*": 403},
    ),
    page(
        "communities:settings",
        kwargs=SUBWIKI,
        data={
            "name": "Public square",
            "visibility": "public",
            "description_edit_policy": "open",
            "min_post_edit_policy": "open",
        },
        GET={"visitor": LOGIN, "member": 200, "staff": 200, "*": 403},
        POST={"visitor": LOGIN, "member": SUBWIKI_PAGE, "staff": SUBWIKI_PAGE, "*": 403},
    ),
    # The description is a wiki page; its default policy is `members`.
    page(
        "communities:description_edit",
        kwargs=SUBWIKI,
        data={"description": "Edited.", "summary": "", "base_revision": DESCRIPTION},
        GET=trusted(200),
        POST=trusted(SUBWIKI_PAGE),
    ),
    page(
        "communities:description_revert",
        kwargs=SUBWIKI,
        data={"revision": DESCRIPTION, "summary": ""},
        GET={"visitor": LOGIN, "*": 405},
        POST=trusted(SUBWIKI_PAGE),
    ),
    page(
        "communities:description_history",
        "communities:description_diff",
        "posts:subwiki_changes",
        kwargs=SUBWIKI,
        GET=200,
    ),
    page(
        "communities:description_history", "posts:subwiki_changes", kwargs=PRIVATE, GET=PRIVATE_READ
    ),
    page(
        "communities:description_revision",
        kwargs={**SUBWIKI, "revision_id": DESCRIPTION},
        GET=200,
        POST=405,
    ),
    page(
        "communities:description_revision",
        kwargs={**PRIVATE, "revision_id": "{private_subwiki.page.current_revision_id}"},
        GET=PRIVATE_READ,
    ),
]

# --- Posts ----------------------------------------------------------------------------------
POSTS: list[Row] = [
    page(
        "posts:create",
        data={"subwiki": "{subwiki.slug}", "kind": "text", "body": "Hi.", "edit_policy": "open"},
        GET={**ADMITTED_PAGE, "*": 200},
        POST={**ADMITTED_PAGE, "*": Redirect("/p/*/")},
    ),
    page(
        "posts:preview",
        data={"body": "*Hello*"},
        GET={"visitor": LOGIN, "*": 405},
        POST={"visitor": LOGIN, "*": 200},
    ),
    page("posts:detail", "posts:history", "posts:diff", kwargs=POST_ID, GET=200),
    page(
        "posts:detail", "posts:history", kwargs={"post_id": "{private_post.pk}"}, GET=PRIVATE_READ
    ),
    page("posts:revision", kwargs={**POST_ID, "revision_id": CURRENT}, GET=200),
    # An open post: any admitted member edits it, and reverts it.
    page(
        "posts:edit",
        kwargs=POST_ID,
        data={"title": "A title", "body": "Edited.", "summary": "", "base_revision": CURRENT},
        GET={**ADMITTED_PAGE, "*": 200},
        POST={**ADMITTED_PAGE, "*": POST_PAGE},
    ),
    page(
        "posts:revert",
        kwargs=POST_ID,
        data={"revision": CURRENT, "summary": ""},
        GET={"visitor": LOGIN, "*": 405},
        POST={**ADMITTED_PAGE, "*": POST_PAGE},
    ),
    # Trusted members may; this post has nobody else's edits to undo: they are told so.
    page(
        "moderation:post_rollback",
        kwargs=POST_ID,
        data={"username": "{member.username}"},
        GET={"visitor": LOGIN, "*": 405},
        POST=trusted(POST_HISTORY),
    ),
    # A pending edit: trusted members review it.
    page(
        "moderation:post_approve",
        kwargs=PENDING,
        GET={"visitor": LOGIN, "*": 405},
        POST=trusted(PENDING_POST_PAGE),
    ),
    page(
        "moderation:post_reject",
        kwargs=PENDING,
        GET={"visitor": LOGIN, "*": 405},
        POST=trusted(PENDING_HISTORY),
    ),
    page(
        "moderation:description_approve",
        kwargs=PENDING_DESCRIPTION,
        GET={"visitor": LOGIN, "*": 405},
        POST=trusted(REVIEWED_SUBWIKI_PAGE),
    ),
    page(
        "moderation:description_reject",
        kwargs=PENDING_DESCRIPTION,
        GET={"visitor": LOGIN, "*": 405},
        POST=trusted(DESCRIPTION_HISTORY),
    ),
    page("posts:recent_changes", GET=200),
    page("posts:contributions", kwargs={"username": "{member.username}"}, GET=200),
]

# --- Talk: comments under posts ------------------------------------------------------------
# `comment` is `member`'s, on `member`'s post in the public subwiki `member` owns: its author
# edits and deletes it; its moderators (the owner, site moderators, staff) may remove it.
COMMENT = {**POST_ID, "comment_id": "{comment.pk}"}
PRIVATE_COMMENT = {"post_id": "{private_post.pk}", "comment_id": "{private_comment.pk}"}
PRIVATE_POST_PAGE = Redirect("/p/{private_post.pk}/")

TALK: list[Row] = [
    # GET goes back to the post's talk; POST comments (admitted members who see the post).
    page(
        "talk:create",
        kwargs=POST_ID,
        data={"body": "Hello."},
        GET={"visitor": LOGIN, "*": POST_PAGE},
        POST={**ADMITTED_PAGE, "*": POST_PAGE},
    ),
    page(
        "talk:create",
        kwargs={"post_id": "{private_post.pk}"},
        data={"body": "Hello."},
        POST={"visitor": LOGIN, "member": PRIVATE_POST_PAGE, "staff": PRIVATE_POST_PAGE, "*": 404},
    ),
    page(
        "talk:edit",
        kwargs=COMMENT,
        data={"body": "Edited."},
        GET={"visitor": LOGIN, "member": 200, "*": 403},
        POST={"visitor": LOGIN, "member": POST_PAGE, "*": 403},
    ),
    page(
        "talk:delete",
        kwargs=COMMENT,
        GET={"visitor": LOGIN, "*": 405},
        POST={"visitor": LOGIN, "member": POST_PAGE, "*": 403},
    ),
    page(
        "moderation:comment_remove",
        kwargs=COMMENT,
        GET={"visitor": LOGIN, "*": 405},
        POST=trusted(POST_PAGE),
    ),
    page("talk:history", kwargs=COMMENT, GET=200, POST=405),
    page("talk:history", kwargs=PRIVATE_COMMENT, GET=PRIVATE_READ),
    # Staff see a private talk, but only its author edits a comment.
    page(
        "talk:edit",
        kwargs=PRIVATE_COMMENT,
        GET={"visitor": LOGIN, "member": 200, "staff": 403, "*": 404},
    ),
    # Comments change through their services only (history, counts, tombstones).
    page("admin:talk_comment_add", GET={"staff": 403, "*": ADMIN_LOGIN}),
]

# --- Following members, upvoting posts -----------------------------------------------------
OTHER = {"username": "{other_member.username}"}
OTHER_PROFILE = Redirect("/u/{other_member.username}/")
# Buttons: POST only; visitors log in and come back to the profile or the post. Waitlisted
# and suspended members are told they may not follow or upvote; stopping a follow stays
# possible whatever one's access. `other_member` here is the one followed: not oneself.
FOLLOW_BUTTON = {
    "visitor": Redirect("account_login", next_="/u/{other_member.username}/"),
    "waitlisted": 403,
    "suspended": 403,
    "other_member": 400,
    "*": OTHER_PROFILE,
}
UNFOLLOW_BUTTON = {"visitor": FOLLOW_BUTTON["visitor"], "*": OTHER_PROFILE}
UPVOTE_BUTTON = {
    "visitor": Redirect("account_login", next_="/p/{post.pk}/"),
    "waitlisted": 403,
    "suspended": 403,
    "*": POST_PAGE,
}

FOLLOWS_AND_UPVOTES: list[Row] = [
    page("accounts:followers", "accounts:following", kwargs=OTHER, GET=200, POST=405),
    page("accounts:follow", kwargs=OTHER, GET=405, POST=FOLLOW_BUTTON),
    page("accounts:unfollow", kwargs=OTHER, GET=405, POST=UNFOLLOW_BUTTON),
    page("posts:upvote", "posts:unvote", kwargs=POST_ID, GET=405, POST=UPVOTE_BUTTON),
    # A private post does not exist for outsiders; visitors are not told before logging in.
    page(
        "posts:upvote",
        "posts:unvote",
        kwargs={"post_id": "{private_post.pk}"},
        POST={
            "visitor": Redirect("account_login", next_="/p/{private_post.pk}/"),
            "member": Redirect("/p/{private_post.pk}/"),
            "staff": Redirect("/p/{private_post.pk}/"),
            "*": 404,
        },
    ),
]

# --- Feeds ----------------------------------------------------------------------------------
# RSS and Atom are read as a visitor whoever asks: a private subwiki has none, even for
# its members. Read-only.
MEMBER_ARG = {"username": "{member.username}"}
FEEDS: list[Row] = [
    page("feeds:all", GET=200, POST=405),
    page("feeds:all_rss", "feeds:all_atom", GET=200, POST=405),
    page("feeds:subwiki_rss", "feeds:subwiki_atom", kwargs=SUBWIKI, GET=200, POST=405),
    page("feeds:subwiki_rss", "feeds:subwiki_atom", kwargs=PRIVATE, GET=404),
    page("feeds:member_rss", "feeds:member_atom", kwargs=MEMBER_ARG, GET=200, POST=405),
]

# --- The JSON API (API.md) ------------------------------------------------------------------
NO_TOKEN = ApiAnswer(401, "not_authenticated")
WAITLISTED = ApiAnswer(403, "waitlisted")
# A valid token is needed; tokens of suspended members are refused.
TOKEN = {"visitor": NO_TOKEN, "suspended": NO_TOKEN}
# ...of an admitted member: a waitlisted token reaches only me, invites and donations.
ADMITTED = {**TOKEN, "waitlisted": WAITLISTED}
# Public reads: without a token, a visitor; with one, it must be valid and admitted.
PUBLIC = {"suspended": NO_TOKEN, "waitlisted": WAITLISTED}
PRIVATE_API_READ = {**PUBLIC, **PRIVATE_READ}
TRUSTED = {**ADMITTED, **dict.fromkeys(TRUSTED_ROLES, 200), "*": 403}

API: list[Row] = [
    op("POST /api/v1/auth/tokens", 201, data={"email": "{member.email}", "password": PASSWORD}),
    # Revoking one's own token stays possible while waitlisted: a leaked token can be cut off.
    op("DELETE /api/v1/auth/tokens/current", {**TOKEN, "*": 204}),
    op("GET /api/v1/me", {**TOKEN, "*": 200}),
    op(
        "GET /api/v1/members/{username}",
        {**PUBLIC, "*": 200},
        kwargs={"username": "{other_member.username}"},
    ),
    # Following members: `other_member` is the one followed, so for them it is oneself.
    op(
        "POST /api/v1/members/{username}/follow",
        {**ADMITTED, "other_member": ApiAnswer(400, "cannot_follow_self"), "*": 200},
        kwargs=OTHER,
    ),
    op("DELETE /api/v1/members/{username}/follow", {**ADMITTED, "*": 200}, kwargs=OTHER),
    # The chronological feeds: one's home feed needs an admitted member's token.
    op("GET /api/v1/feed/home", {**ADMITTED, "*": 200}),
    op("GET /api/v1/feed/all", {**PUBLIC, "*": 200}),
    op(
        "GET /api/v1/members/{username}/posts",
        {**PUBLIC, "*": 200},
        kwargs={"username": "{member.username}"},
    ),
    # Subwikis.
    op("GET /api/v1/subwikis", {**PUBLIC, "*": 200}),
    op("POST /api/v1/subwikis", {**ADMITTED, "*": 201}, data={"name": "Matrix", "slug": "matrix"}),
    op("GET /api/v1/subwikis/{slug}", {**PUBLIC, "*": 200}, kwargs=SUBWIKI),
    op("GET /api/v1/subwikis/{slug}", PRIVATE_API_READ, kwargs=PRIVATE),
    op("GET /api/v1/subwikis/{slug}/posts", {**PUBLIC, "*": 200}, kwargs=SUBWIKI),
    op("GET /api/v1/subwikis/{slug}/posts", PRIVATE_API_READ, kwargs=PRIVATE),
    op(
        "PATCH /api/v1/subwikis/{slug}",
        TRUSTED,
        kwargs=SUBWIKI,
        data={"description": "Edited.", "base_revision": DESCRIPTION},
    ),
    op("POST /api/v1/subwikis/{slug}/follow", {**ADMITTED, "*": 200}, kwargs=SUBWIKI),
    op("DELETE /api/v1/subwikis/{slug}/follow", {**ADMITTED, "*": 200}, kwargs=SUBWIKI),
    op(
        "POST /api/v1/subwikis/{slug}/join",
        {**ADMITTED, "member": ApiAnswer(400, "already_member"), "*": 200},
        kwargs=SUBWIKI,
    ),
    # Asking to join a private subwiki: 202 until a moderator approves.
    op(
        "POST /api/v1/subwikis/{slug}/join",
        {**ADMITTED, "member": ApiAnswer(400, "already_member"), "*": 202},
        kwargs=PRIVATE,
    ),
    op(
        "DELETE /api/v1/subwikis/{slug}/join",
        {**ADMITTED, "member": ApiAnswer(400, "last_owner"), "*": ApiAnswer(400, "not_member")},
        kwargs=SUBWIKI,
    ),
    # Posts and their history.
    op(
        "POST /api/v1/posts",
        {**ADMITTED, "*": 201},
        data={"subwiki": "{subwiki.slug}", "kind": "text", "body": "Hello."},
    ),
    op("GET /api/v1/posts/{post_id}", {**PUBLIC, "*": 200}, kwargs=POST_ID),
    op("GET /api/v1/posts/{post_id}", PRIVATE_API_READ, kwargs={"post_id": "{private_post.pk}"}),
    op("GET /api/v1/posts/{post_id}/revisions", {**PUBLIC, "*": 200}, kwargs=POST_ID),
    op(
        "GET /api/v1/posts/{post_id}/revisions/{revision_id}",
        {**PUBLIC, "*": 200},
        kwargs={**POST_ID, "revision_id": CURRENT},
    ),
    op(
        "GET /api/v1/posts/{post_id}/diff",
        {**PUBLIC, "*": 200},
        kwargs=POST_ID,
        query={"from": CURRENT, "to": CURRENT},
    ),
    # An open post: any admitted member edits it, and reverts it.
    op(
        "PATCH /api/v1/posts/{post_id}",
        {**ADMITTED, "*": 200},
        kwargs=POST_ID,
        data={"body": "Edited.", "summary": "", "base_revision": CURRENT},
    ),
    op(
        "POST /api/v1/posts/{post_id}/revert",
        {**ADMITTED, "*": 200},
        kwargs=POST_ID,
        data={"revision": CURRENT, "summary": ""},
    ),
    # Upvotes.
    op(
        "POST /api/v1/posts/{post_id}/reactions",
        {**ADMITTED, "*": 200},
        kwargs=POST_ID,
        data={"kind": "upvote"},
    ),
    op(
        "DELETE /api/v1/posts/{post_id}/reactions",
        {**ADMITTED, "*": 200},
        kwargs=POST_ID,
        data={"kind": "upvote"},
    ),
    op(
        "POST /api/v1/posts/{post_id}/reactions",
        {**ADMITTED, **PRIVATE_READ},
        kwargs={"post_id": "{private_post.pk}"},
        data={"kind": "upvote"},
    ),
    op(
        "DELETE /api/v1/posts/{post_id}/reactions",
        {**ADMITTED, **PRIVATE_READ},
        kwargs={"post_id": "{private_post.pk}"},
        data={"kind": "upvote"},
    ),
    # Trusted members may; this post has nobody else's edits to undo.
    op(
        "POST /api/v1/posts/{post_id}/rollback",
        {**TRUSTED, **dict.fromkeys(TRUSTED_ROLES, ApiAnswer(400, "nothing_to_rollback"))},
        kwargs=POST_ID,
        data={"username": "{member.username}"},
    ),
    op("POST /api/v1/posts/{post_id}/revisions/{revision_id}/approve", TRUSTED, kwargs=PENDING),
    op("POST /api/v1/posts/{post_id}/revisions/{revision_id}/reject", TRUSTED, kwargs=PENDING),
    op(
        "POST /api/v1/subwikis/{slug}/description/revisions/{revision_id}/approve",
        TRUSTED,
        kwargs=PENDING_DESCRIPTION,
    ),
    op(
        "POST /api/v1/subwikis/{slug}/description/revisions/{revision_id}/reject",
        TRUSTED,
        kwargs=PENDING_DESCRIPTION,
    ),
]

# The talk in the API: a private post's talk is its subwiki's members' (and staff's).
PRIVATE_POST_ID = {"post_id": "{private_post.pk}"}
TALK_API: list[Row] = [
    op("GET /api/v1/posts/{post_id}/comments", {**PUBLIC, "*": 200}, kwargs=POST_ID),
    op("GET /api/v1/posts/{post_id}/comments", PRIVATE_API_READ, kwargs=PRIVATE_POST_ID),
    op(
        "POST /api/v1/posts/{post_id}/comments",
        {**ADMITTED, "*": 201},
        kwargs=POST_ID,
        data={"body": "Hello."},
    ),
    op(
        "POST /api/v1/posts/{post_id}/comments",
        {**ADMITTED, **PRIVATE_READ, "member": 201, "staff": 201},
        kwargs=PRIVATE_POST_ID,
        data={"body": "Hello."},
    ),
    op(
        "GET /api/v1/comments/{comment_id}",
        {**PUBLIC, "*": 200},
        kwargs={"comment_id": "{comment.pk}"},
    ),
    op(
        "GET /api/v1/comments/{comment_id}",
        PRIVATE_API_READ,
        kwargs={"comment_id": "{private_comment.pk}"},
    ),
    op(
        "GET /api/v1/comments/{comment_id}/revisions",
        {**PUBLIC, "*": 200},
        kwargs={"comment_id": "{comment.pk}"},
    ),
    # Its author edits; its author deletes, and the post's moderators remove.
    op(
        "PATCH /api/v1/comments/{comment_id}",
        {**ADMITTED, "member": 200, "*": 403},
        kwargs={"comment_id": "{comment.pk}"},
        data={"body": "Edited."},
    ),
    op("DELETE /api/v1/comments/{comment_id}", TRUSTED, kwargs={"comment_id": "{comment.pk}"}),
]


# Access and funding in the API: a waitlisted token reaches invites and donations; the
# funding goal is public whoever asks (even with a refused token).
def _donation_of_member(samples: dict[str, Member]) -> str:
    """A pending donation of `member`, made through the real service."""
    from tribune.funding.services import donation_create

    donation, _instructions = donation_create(
        member=samples["member"],
        amount="13.00",
        currency="EUR",
        interval="once",
        success_url="http://testserver/",
        cancel_url="http://testserver/",
    )
    return str(donation.pk)


ACCESS_FUNDING_API: list[Row] = [
    op("POST /api/v1/invites", {**TOKEN, "*": 201}),
    op("GET /api/v1/invites", {**TOKEN, "*": 200}),
    op("GET /api/v1/funding", 200),
    op(
        "POST /api/v1/donations",
        {**TOKEN, "*": 201},
        data={"amount": "13.00", "currency": "EUR", "interval": "month"},
    ),
    op("GET /api/v1/donations", {**TOKEN, "*": 200}),
    # `member`'s own donation: staff see it too; to anyone else it does not exist.
    op(
        "GET /api/v1/donations/{donation_id}",
        {**TOKEN, "member": 200, "staff": 200, "*": ApiAnswer(404, "not_found")},
        kwargs={"donation_id": _donation_of_member},
    ),
]

# --- Access pages: the waitlist, invitations, and their admin --------------------------------
ACCESS_PAGES: list[Row] = [
    # Whatever one's access, the page says where one stands.
    page("accounts:waitlist", GET=SIGNED_IN, POST={"visitor": LOGIN, "*": 405}),
    # Admitted and waitlisted members invite; suspended members are told they may not.
    page(
        "accounts:invitations",
        GET={"visitor": LOGIN, "suspended": 403, "*": 200},
        POST={"visitor": LOGIN, "suspended": 403, "*": Redirect("accounts:invitations")},
    ),
    # The access settings are one row: its list opens it; nothing to add. Invitations
    # are made by members only.
    page(
        "admin:accounts_accesssettings_changelist",
        GET={"staff": Redirect("/admin/accounts/accesssettings/1/change/"), "*": ADMIN_LOGIN},
    ),
    page(
        "admin:accounts_accesssettings_add",
        "admin:accounts_invitation_add",
        GET={"staff": 403, "*": ADMIN_LOGIN},
    ),
    page(
        "admin:accounts_member_admit_next",
        data={"count": "1"},
        GET=STAFF,
        POST={"staff": Redirect("admin:accounts_member_changelist"), "*": ADMIN_LOGIN},
    ),
]

# --- Stripe's webhook: signed events only, whoever sends them -------------------------------
STRIPE_WEBHOOK: list[Row] = [
    # Without a valid Stripe-Signature header: 400 with detail and code, nothing changed.
    page("stripe-webhook", GET=405, POST=ApiAnswer(400)),
]

# --- Funding pages: giving, one's donations, the financials, and their admin ---------------
FUNDING_PAGES: list[Row] = [
    # Anyone reads why and how to give; giving needs an account that is not suspended
    # (waitlisted members may: it lets them in). A pledge goes on to its page.
    page(
        "funding:donate",
        data={"interval": "month", "currency": "EUR", "amount": "13", "other_amount": ""},
        GET=200,
        POST={"visitor": LOGIN, "suspended": 403, "*": Redirect("/donate/*/", status=303)},
    ),
    page("funding:mine", GET=SIGNED_IN, POST={"visitor": LOGIN, "*": 405}),
    # `member`'s own donation: staff see it too; to anyone else it does not exist.
    page(
        "funding:donation",
        kwargs={"donation_id": _donation_of_member},
        GET={"visitor": LOGIN, "member": 200, "staff": 200, "*": 404},
    ),
    page("funding:financials", GET=200, POST=405),
    # The goal's bar, for htmx; opened as a page, it leads to the financials.
    page("funding:bar", GET=Redirect("funding:financials"), POST=405),
    # Money and the provider's events are recorded by the services only.
    page(
        "admin:funding_donation_add",
        "admin:funding_payment_add",
        "admin:funding_providerevent_add",
        GET={"staff": 403, "*": ADMIN_LOGIN},
    ),
]

# --- Trust: vouching on profiles and in the API --------------------------------------------
# `other_member` is the one vouched for: for them it is oneself. The fixtures' members are
# at trust level 0, below the level that may vouch; site moderators and staff may whatever
# their level. Withdrawing a vouch stays possible whatever one's access.
TRUST: list[Row] = [
    page(
        "trust:vouch",
        kwargs=OTHER,
        GET=405,
        POST={**FOLLOW_BUTTON, "member": 403, "moderator": OTHER_PROFILE, "staff": OTHER_PROFILE},
    ),
    page("trust:unvouch", kwargs=OTHER, GET=405, POST=UNFOLLOW_BUTTON),
    op("GET /api/v1/members/{username}/trust", {**PUBLIC, "*": 200}, kwargs=OTHER),
    op(
        "POST /api/v1/members/{username}/trust",
        {
            **ADMITTED,
            "member": ApiAnswer(403, "trust_level_too_low"),
            "other_member": ApiAnswer(400, "cannot_vouch_self"),
            "*": 200,
        },
        kwargs=OTHER,
    ),
    op("DELETE /api/v1/members/{username}/trust", {**ADMITTED, "*": 200}, kwargs=OTHER),
]

# --- Community notes: on pages and in the API ----------------------------------------------
# `note` is by a member at trust level 1 (none of the roles) on `member`'s public post;
# `private_note` is `member`'s own, on their private post. The roles are at trust level 0:
# admitted ones may rate notes, not write them (that takes level 1). Only its author edits
# a note; a private post's notes are its members' (and staff's).
NOTE = {"note_id": "{note.pk}"}
PRIVATE_NOTE = {"note_id": "{private_note.pk}"}
NOTE_FIELDS = {"classification": "misleading", "body": "Context."}
WRITE_NOTE = {"visitor": LOGIN, "*": 403}
RATE_NOTE = {
    "visitor": Redirect("account_login", next_="/notes/{note.pk}/"),
    "waitlisted": 403,
    "suspended": 403,
    "*": Redirect("/notes/{note.pk}/"),
}
PRIVATE_NOTE_PAGE = Redirect("/notes/{private_note.pk}/")
NOTES: list[Row] = [
    page("notes:post_notes", kwargs=POST_ID, GET=200, POST=405),
    page("notes:post_notes", kwargs={"post_id": "{private_post.pk}"}, GET=PRIVATE_READ),
    page("notes:note_create", kwargs=POST_ID, data=NOTE_FIELDS, GET=WRITE_NOTE, POST=WRITE_NOTE),
    page("notes:note", "notes:note_history", kwargs=NOTE, GET=200, POST=405),
    page("notes:note", "notes:note_history", kwargs=PRIVATE_NOTE, GET=PRIVATE_READ),
    page("notes:note_edit", kwargs=NOTE, data=NOTE_FIELDS, GET=WRITE_NOTE, POST=WRITE_NOTE),
    page(
        "notes:note_edit",
        kwargs=PRIVATE_NOTE,
        data=NOTE_FIELDS,
        GET={"visitor": LOGIN, "member": 200, "staff": 403, "*": 404},
        POST={"visitor": LOGIN, "member": PRIVATE_NOTE_PAGE, "staff": 403, "*": 404},
    ),
    page("notes:note_rate", kwargs=NOTE, data={"helpful": "yes"}, GET=405, POST=RATE_NOTE),
    # Its author may not rate their own note.
    page(
        "notes:note_rate",
        kwargs=PRIVATE_NOTE,
        data={"helpful": "yes"},
        POST={
            "visitor": Redirect("account_login", next_="/notes/{private_note.pk}/"),
            "member": 403,
            "staff": PRIVATE_NOTE_PAGE,
            "*": 404,
        },
    ),
    op("GET /api/v1/posts/{post_id}/notes", {**PUBLIC, "*": 200}, kwargs=POST_ID),
    op("GET /api/v1/posts/{post_id}/notes", PRIVATE_API_READ, kwargs=PRIVATE_POST_ID),
    op(
        "POST /api/v1/posts/{post_id}/notes",
        {**ADMITTED, "*": ApiAnswer(403, "trust_level_too_low")},
        kwargs=POST_ID,
        data=NOTE_FIELDS,
    ),
    op("GET /api/v1/notes/{note_id}", {**PUBLIC, "*": 200}, kwargs=NOTE),
    op("GET /api/v1/notes/{note_id}", PRIVATE_API_READ, kwargs=PRIVATE_NOTE),
    op("PATCH /api/v1/notes/{note_id}", {**ADMITTED, "*": 403}, kwargs=NOTE, data={"body": "x"}),
    op(
        "PATCH /api/v1/notes/{note_id}",
        {**ADMITTED, "member": 200, "staff": 403, "*": 404},
        kwargs=PRIVATE_NOTE,
        data={"body": "Edited."},
    ),
    op(
        "POST /api/v1/notes/{note_id}/ratings",
        {**ADMITTED, "*": 201},
        kwargs=NOTE,
        data={"helpful": "yes"},
    ),
    op(
        "POST /api/v1/notes/{note_id}/ratings",
        {**ADMITTED, "member": ApiAnswer(403, "own_note"), "staff": 201, "*": 404},
        kwargs=PRIVATE_NOTE,
        data={"helpful": "yes"},
    ),
]


# --- Moderation: reports, the queue and its actions, the public log, appeals ---------------
# `member` owns the public subwiki, so they moderate it, as site moderators and staff do;
# the log is as public as the site. Only the member an action concerns appeals it.
def _removal_of_members_comment(samples: dict[str, Member]) -> str:
    """Staff remove `member`'s comment, through the real service: an action to appeal."""
    from tribune.moderation.services.actions import moderation_act

    comment = samples["comment"]
    line = moderation_act(
        actor=samples["staff"], action="remove", target=f"comment:{comment.pk}", reason="Rude."
    )
    return str(line.pk)


def _suspension_link(samples: dict[str, Member]) -> str:
    """Staff suspend a member outside the roles: the token of the appeal link e-mailed to
    them, which works without logging in (for whoever holds it)."""
    from tests.factories import MemberFactory
    from tribune.moderation.selectors.appeals import appeal_link_token
    from tribune.moderation.services.actions import moderation_act

    line = moderation_act(
        actor=samples["staff"],
        action="suspend",
        target=f"member:{MemberFactory.create().username}",
        reason="Spam.",
    )
    return appeal_link_token(line)


def _appeal_of_member(samples: dict[str, Member]) -> str:
    """`member` appeals the removal of their comment: an appeal for staff to decide."""
    from tribune.moderation.services.appeals import appeal_create

    action_id = _removal_of_members_comment(samples)
    return str(appeal_create(member=samples["member"], action_id=action_id, text="Please.").pk)


MODERATORS = {**ADMITTED_PAGE, **dict.fromkeys(TRUSTED_ROLES, 200), "*": 403}
LOCK = {"action": "lock", "target": "post:{post.pk}", "reason": "Heated.", "next": ""}
MODERATION: list[Row] = [
    page(
        "moderation:queue",
        query={"subwiki": "{subwiki.slug}"},
        GET=MODERATORS,
        POST={"visitor": LOGIN, "*": 405},
    ),
    page(
        "moderation:report",
        query={"target": "post:{post.pk}"},
        GET={**ADMITTED_PAGE, "*": 200},
    ),
    page(
        "moderation:report",
        data={"target": "post:{post.pk}", "reason": "spam", "details": ""},
        POST={**ADMITTED_PAGE, "*": POST_PAGE},
    ),
    page(
        "moderation:report",
        query={"target": "post:{private_post.pk}"},
        GET={"visitor": LOGIN, "member": 200, "staff": 200, "*": 404},
    ),
    page(
        "moderation:act",
        data=LOCK,
        GET={"visitor": LOGIN, "*": 405},
        POST={**MODERATORS, **dict.fromkeys(TRUSTED_ROLES, Redirect("moderation:queue"))},
    ),
    page("moderation:log", GET=200, POST=405),
    page(
        "moderation:appeal",
        kwargs={"action_id": _removal_of_members_comment},
        data={"text": "It was a joke."},
        GET={"visitor": LOGIN, "member": 200, "*": 403},
        POST={"visitor": LOGIN, "member": Redirect("/moderation/actions/*/appeal/"), "*": 403},
    ),
    page(
        "moderation:appeal_link",
        kwargs={"token": _suspension_link},
        data={"text": "Let me back."},
        GET=200,
        POST=Redirect("/moderation/appeal/*/"),
    ),
    page(
        "moderation:appeals",
        GET={"visitor": LOGIN, "staff": 200, "*": 403},
        POST={"visitor": LOGIN, "*": 405},
    ),
    # Without a decision the form comes back to staff (its fields carry the appeal's id).
    page(
        "moderation:decide",
        kwargs={"appeal_id": _appeal_of_member},
        GET={"visitor": LOGIN, "*": 405},
        POST={"visitor": LOGIN, "staff": 400, "*": 403},
    ),
    op(
        "POST /api/v1/reports",
        {**ADMITTED, "*": 201},
        data={"target": "post:{post.pk}", "reason": "spam"},
    ),
    op(
        "GET /api/v1/moderation/queue",
        {**ADMITTED, **dict.fromkeys(TRUSTED_ROLES, 200), "*": 403},
        query={"subwiki": "{subwiki.slug}"},
    ),
    op(
        "POST /api/v1/moderation/actions",
        {**ADMITTED, **dict.fromkeys(TRUSTED_ROLES, 201), "*": 403},
        data={"action": "lock", "target": "post:{post.pk}", "reason": "Heated."},
    ),
    op("GET /api/v1/moderation/log", {**PUBLIC, "*": 200}),
    op(
        "POST /api/v1/moderation/actions/{action_id}/appeal",
        {**ADMITTED, "member": 201, "*": 403},
        kwargs={"action_id": _removal_of_members_comment},
        data={"text": "It was a joke."},
    ),
]

MATRIX: list[Row] = [
    *PAGES,
    *ALLAUTH,
    *ADMIN,
    *SUBWIKIS,
    *POSTS,
    *TALK,
    *FOLLOWS_AND_UPVOTES,
    *FEEDS,
    *API,
    *TALK_API,
    *ACCESS_FUNDING_API,
    *ACCESS_PAGES,
    *STRIPE_WEBHOOK,
    *FUNDING_PAGES,
    *TRUST,
    *NOTES,
    *MODERATION,
]
