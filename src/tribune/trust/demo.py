"""Demo trust: the members who check facts in the notes demo (notes.demo) take part in
the talk of the posts they will note (and one publishes a first post), enough for level
1's requirements; the staff and the moderator vouch for a few members; then every level
is computed by trust.services, as the periodic task does, so that their profiles show
the real reasons and a later run keeps them there.
"""

from __future__ import annotations

from tribune.accounts.models import Member
from tribune.accounts.permissions import RATER_TRUST_LEVEL
from tribune.core.demo import DemoStep
from tribune.core.exceptions import ServiceError
from tribune.notes.demo import CAMP_A, CAMP_B, NOTES
from tribune.posts.models import Post
from tribune.posts.services import post_create
from tribune.talk.models import Comment, CommentState
from tribune.talk.services import comment_create
from tribune.trust.levels import REQUIREMENTS
from tribune.trust.services import trust_recompute_all, vouch_create
from tribune.wiki.models import Revision, RevisionStatus

# The demo posts their talk is on.
SUPERCONDUCTOR = "A preprint claims a room-temperature superconductor, again"
HEAT_PUMPS = "Heat pumps outsold gas boilers in several countries last year"
HEAT_RECORDS = "Global heat records: what the new dataset shows"
BIKE_LANES = "The town council voted on the new bike lanes"
SOLAR = "Solar output across a summer day"
SELF_HOSTING = "Self-hosting your social network: what it takes"
OSAKA = "Hello from Osaka"
PHOTO_CHECK = "Vérifier une photo en trois étapes"

# What each writer and rater says in the talk of the posts they check, in order: as many
# as they need to reach level 1's comments (the talk demo may have given them some).
TALK: dict[str, tuple[tuple[str, str], ...]] = {
    "camille": (
        (
            SUPERCONDUCTOR,
            "Has anyone found the replication attempts? The preprint measures a single sample.",
        ),
        (
            HEAT_PUMPS,
            "The national statistics agree with the association's report, for France at least.",
        ),
        (BIKE_LANES, "Is there a link to the council minutes? They would settle what was voted."),
    ),
    "theo": (
        (
            HEAT_RECORDS,
            "Read the methods page before quoting the record: the baseline is 1951 to 1980.",
        ),
        (BIKE_LANES, "The agenda lists it as a consultation item; the minutes should say more."),
        (
            SOLAR,
            "One day's curve is a nice illustration; a yearly average would give the full picture.",
        ),
    ),
    "priya": (
        (
            SUPERCONDUCTOR,
            "Two groups have posted replication attempts; neither saw zero resistance.",
        ),
        (
            HEAT_PUMPS,
            "Careful: sold is not installed. The report counts units shipped to retailers.",
        ),
        (SELF_HOSTING, "The costs in the post leave out backups. Worth adding?"),
    ),
    "sofia": (
        (
            SOLAR,
            "My students measured the same curve on the school roof: same shape, lower "
            "peak in winter.",
        ),
        (SUPERCONDUCTOR, "I will use this one in class, to show how to read a preprint."),
        (
            HEAT_RECORDS,
            "Which stations does the dataset use in Mexico? I could not find them on the map.",
        ),
    ),
    "lea": (
        (PHOTO_CHECK, "Merci ! J'ajouterais la recherche d'image inversée en deuxième étape."),
        (
            SUPERCONDUCTOR,
            "The library has access to the journal, if anyone needs the earlier paper.",
        ),
        (BIKE_LANES, "The minutes are public on the council's site; page 4 covers the vote."),
    ),
    "jonas": (
        (
            BIKE_LANES,
            "As far as I can tell, the vote was on the consultation, not on building the lanes.",
        ),
        (SOLAR, "Berlin's numbers look similar in June. December is another story."),
        (HEAT_PUMPS, "Germany's figures for last year are out, and they match the association's."),
    ),
    "liam": (
        (BIKE_LANES, "I will correct the post once the minutes are published."),
        (PHOTO_CHECK, "A fine checklist. I would add: look at the date in the file's metadata."),
        (
            SUPERCONDUCTOR,
            "The title says “again” for good reason: the third such claim in two years.",
        ),
    ),
    "haruka": (
        (SELF_HOSTING, "Thanks for the questions: I will add a section on backups."),
        (OSAKA, "For those who asked: the photo is from Dōtonbori, last Sunday."),
        (SOLAR, "Is the data behind the chart published? I would like to plot it by month."),
    ),
    "noah": (
        (BIKE_LANES, "I did not know the minutes were public. Learning a lot here."),
        (HEAT_PUMPS, "How do you tell whether a figure counts sales or installations?"),
        (PHOTO_CHECK, "I tried the three steps on a photo from my feed: it was from 2015."),
    ),
    "amara": (
        (HEAT_PUMPS, "Which countries are the “several”? The report names five."),
        (HEAT_RECORDS, "The dataset's licence allows reuse: I made a chart per country."),
        (SUPERCONDUCTOR, "I added the links to both replication attempts in the talk."),
    ),
    "mireille": (
        (SUPERCONDUCTOR, "Rappel : un preprint n'est pas relu par les pairs. Citez-le comme tel."),
        (BIKE_LANES, "The minutes are the source to cite here; the press release simplifies."),
        (PHOTO_CHECK, "Merci pour vos ajouts, je mettrai le guide à jour."),
    ),
}

# A first post for a writer or rater who has published nothing yet (level 1 asks for one
# accepted edit, and a post is one).
FIRST_POSTS: dict[str, tuple[str, str]] = {
    "sofia": (
        "Astronomy night at school",
        "Forty students, two telescopes and a clear sky: Saturn's rings for everyone. "
        "Next one in March, if the clouds agree.",
    ),
}


def _checkers() -> list[Member]:
    """The notes' writers and raters who exist."""
    names = {*CAMP_A, *CAMP_B, *(note.author for note in NOTES)}
    return list(Member.objects.filter(username__in=names).order_by("pk"))


def _take_part() -> bool:
    """Each writer and rater publishes and comments as much as trust level 1 asks."""
    needed = REQUIREMENTS[RATER_TRUST_LEVEL]
    created = False
    for member in _checkers():
        first = FIRST_POSTS.get(member.username)
        edits = Revision.objects.filter(author=member, status=RevisionStatus.LIVE).count()
        if first is not None and edits < needed.edits:
            title, body = first
            post_create(author=member, subwiki=None, kind="text", title=title, body=body)
            created = True
        have = Comment.objects.filter(author=member, state=CommentState.VISIBLE).count()
        for title, body in TALK.get(member.username, ()):
            if have >= needed.comments:
                break
            post = Post.objects.filter(title=title).order_by("pk").first()
            # A post the demo skipped (its subwiki is someone else's) is gone for good,
            # and a comment made by an earlier run stays: neither is made again.
            if post is None or Comment.objects.filter(post=post, author=member, body=body):
                continue
            try:
                comment_create(author=member, post_id=post.pk, body=body)
            except ServiceError:
                continue  # someone else took this demo username, or the post is closed
            created = True
            have += 1
    return created


def _compute_trust() -> bool:
    """Every member's trust level, computed as the periodic task does."""
    summary = trust_recompute_all()
    return bool(summary.promoted or summary.demoted)


# Who vouches for whom: the site's staff and moderator know these members' work.
VOUCHES: tuple[tuple[str, str], ...] = (
    ("admin", "mireille"),
    ("admin", "camille"),
    ("mireille", "camille"),
    ("mireille", "priya"),
)


def _vouches() -> bool:
    """The staff and the moderator vouch for members whose work they know."""
    made = False
    for voucher, member in VOUCHES:
        found = {m.username: m for m in Member.objects.filter(username__in=(voucher, member))}
        if len(found) == 2:
            made = vouch_create(actor=found[voucher], member=found[member]) or made
    return made


def steps() -> list[DemoStep]:
    return [
        DemoStep("note writers and raters take part in the talk", _take_part),
        DemoStep("vouches from staff and moderators", _vouches),
        DemoStep("trust levels computed", _compute_trust),
    ]
