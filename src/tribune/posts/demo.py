"""Demo posts of every kind, edited by several members, with one edit awaiting review."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import partial

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from tribune.accounts.models import Member
from tribune.communities.demo import demo_subwiki
from tribune.core.demo import DemoSkipped, DemoStep
from tribune.posts.models import Post, PreviewStatus
from tribune.posts.services import post_create, post_edit, post_mark_preview


@dataclass(frozen=True)
class DemoEdit:
    editor: str
    find: str
    replace: str
    summary: str
    field: str = "body"


@dataclass(frozen=True)
class DemoPost:
    title: str
    author: str
    subwiki: str | None
    kind: str
    body: str = ""
    url: str = ""
    edit_policy: str = "open"
    preview: tuple[str, str, str] | None = None  # (title, description, site name)
    image_alt: str = ""
    edits: tuple[DemoEdit, ...] = ()


POSTS: tuple[DemoPost, ...] = (
    DemoPost(
        "Global heat records: what the new dataset shows",
        "camille",
        "climate",
        "article",
        body=(
            "The latest reanalysis dataset was released this week.\n\n"
            "## What is new\n\n"
            "The dataset covers 1940 to last month, at a finer grid than before.\n\n"
            "## What it shows\n\n"
            "Each of the last ten years is among the warmest on record.\n\n"
            "## What it does not show\n\n"
            "A single year says little about the trend: look at the 30-year average.\n"
        ),
        edits=(
            DemoEdit(
                "priya",
                "at a finer grid than before.",
                "at a finer grid than before (about 31 km).",
                "Add the grid size from the methods paper",
            ),
            DemoEdit(
                "theo",
                "look at the 30-year average.",
                "look at the 30-year average, as the WMO does.",
                "Say who uses the 30-year average",
            ),
        ),
    ),
    DemoPost(
        "Heat pumps outsold gas boilers in several countries last year",
        "theo",
        "climate",
        "link",
        url="https://example.org/energy/heat-pumps-report",
        body="The report's country table is on page 12. Worth reading past the headline.",
        preview=(
            "Heat pump sales overtake gas boilers",
            "An industry report finds heat pump sales above gas boilers in several "
            "European markets.",
            "Example Energy News",
        ),
        edits=(
            DemoEdit(
                "jonas",
                "on page 12.",
                "on page 12; the methodology is in the annex.",
                "Point to the methodology",
            ),
        ),
    ),
    DemoPost(
        "Solar output across a summer day",
        "priya",
        "climate",
        "image",
        body="Output of a 4 kW rooftop array, measured every 10 minutes on a clear day.",
        image_alt=(
            "A bar chart of solar output rising from zero at dawn to a peak around "
            "1 pm and falling to zero at dusk."
        ),
    ),
    DemoPost(
        "A preprint claims a room-temperature superconductor, again",
        "amara",
        "science",
        "article",
        edit_policy="reviewed",
        body=(
            "Another preprint claims superconductivity at room temperature.\n\n"
            "Before sharing it, check three things:\n\n"
            "1. Has anyone else reproduced it?\n"
            "2. Are the raw data available?\n"
            "3. What do specialists outside the team say?\n"
        ),
        edits=(
            DemoEdit(
                "jonas",
                "3. What do specialists outside the team say?\n",
                "3. What do specialists outside the team say?\n"
                "4. Was the earlier claim by the same group retracted?\n",
                "Add the question about earlier retractions",
            ),
            # noah is new (trust level 0): on a reviewed post his edit waits for review.
            DemoEdit(
                "noah",
                "Another preprint claims",
                "Yet another preprint claims",
                "Wording",
            ),
        ),
    ),
    DemoPost(
        "The town council voted on the new bike lanes",
        "liam",
        "local-news",
        "text",
        body=(
            "Springfield: the council approved the Main Street bike lanes 7 to 4 last "
            "night. Works start in March."
        ),
        edits=(
            DemoEdit(
                "noah",
                "Works start in March.",
                "Works start in March, the council says.",
                "Attribute the date",
            ),
        ),
    ),
    DemoPost(
        "Vérifier une photo en trois étapes",
        "mireille",
        "medias",
        "article",
        body=(
            "Une photo virale ? Avant de la partager :\n\n"
            "1. Recherche d'image inversée.\n"
            "2. Vérifier la date et le lieu.\n"
            "3. Chercher la source originale.\n"
        ),
        edits=(
            DemoEdit(
                "lea",
                "2. Vérifier la date et le lieu.",
                "2. Vérifier la date et le lieu (ombres, météo, panneaux).",
                "Ajout d'indices concrets",
            ),
        ),
    ),
    DemoPost(
        "Self-hosting your social network: what it takes",
        "haruka",
        "open-source",
        "article",
        body=(
            "Running your own instance is easier than it sounds.\n\n"
            "A small machine, a domain name and a backup plan are enough to start.\n"
        ),
    ),
    DemoPost(
        "Hello from Osaka",
        "haruka",
        None,
        "text",
        body="First post on my profile. I'll share what I read about privacy here.",
    ),
    DemoPost(
        "Draft: fact-check schedule for next week",
        "mireille",
        "editors",
        "text",
        body="Camille takes the energy claims, Léa the photo, I take the quotes.",
        edit_policy="members",
    ),
)


def _chart_upload() -> SimpleUploadedFile:
    """A small bar chart drawn on the spot (demo data ships no binary files)."""
    width, height = 720, 360
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    bars = [0, 2, 8, 20, 38, 58, 76, 90, 98, 100, 96, 86, 70, 50, 30, 14, 4, 0]
    step = width // len(bars)
    for i, value in enumerate(bars):
        top = height - 20 - int(value * (height - 60) / 100)
        draw.rectangle((i * step + 6, top, (i + 1) * step - 6, height - 20), fill=(234, 160, 0))
    draw.line((0, height - 20, width, height - 20), fill="black", width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("solar.png", buffer.getvalue(), content_type="image/png")


def _create(spec: DemoPost) -> bool:
    author = Member.objects.get(username=spec.author)
    if Post.objects.filter(author=author, title=spec.title).exists():
        return False
    subwiki = None
    if spec.subwiki is not None:
        subwiki = demo_subwiki(spec.subwiki)
        if subwiki is None:
            raise DemoSkipped(
                _("Skipped the post “%(title)s”: its subwiki /s/%(slug)s/ is not the demo's.")
                % {"title": spec.title, "slug": spec.subwiki}
            )
    post = post_create(
        author=author,
        subwiki=subwiki,
        kind=spec.kind,
        title=spec.title,
        body=spec.body,
        url=spec.url,
        edit_policy=spec.edit_policy,
        image=_chart_upload() if spec.kind == "image" else None,
        image_alt=spec.image_alt,
    )
    if spec.preview is not None:
        # The demo's links point at example.org, which has no such pages: store the
        # preview a fetch would have found, so the task finds nothing left to do.
        title, description, site_name = spec.preview
        post_mark_preview(
            post_id=post.pk,
            url=spec.url,
            status=PreviewStatus.READY,
            title=title,
            description=description,
            site_name=site_name,
        )
    for edit in spec.edits:
        post.refresh_from_db()
        post.page.refresh_from_db()
        current = getattr(post, edit.field)
        post_edit(
            actor=Member.objects.get(username=edit.editor),
            post_id=post.pk,
            changes={edit.field: current.replace(edit.find, edit.replace)},
            base_revision=post.page.current_revision_id,
            summary=edit.summary,
        )
    return True


def steps() -> list[DemoStep]:
    """One step per demo post, each with its edits."""
    return [DemoStep(f"post {spec.title[:40]}", partial(_create, spec)) for spec in POSTS]
