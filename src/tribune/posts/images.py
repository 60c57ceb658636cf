"""Checking and storing images: uploads for image posts and pictures of link previews.

Every image is decoded by Pillow and encoded again, so what is stored is pixels
only: no EXIF (and so no GPS position), no XMP, no comments. Colours are
converted to sRGB and the colour profile dropped. Anything Pillow cannot read
as a JPEG, PNG, GIF or WebP picture within the size and pixel limits is refused
with a message for the person who sent it.
"""

from __future__ import annotations

import io
import logging
import secrets
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

from tribune.core.exceptions import ServiceError

if TYPE_CHECKING:
    from tribune.posts.models import Post

logger = logging.getLogger(__name__)

# What Pillow may open, and the format each is stored in: GIFs become PNGs of
# their first frame. Pillow opens the JPEGs many phone cameras write (with a
# second picture inside) as MPO, through its JPEG reader.
OPEN_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
STORED_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "GIF": "PNG", "WEBP": "WEBP"}
EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ENCODER_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"compress_level": 6},
    "WEBP": {"quality": 85, "method": 4},
}
# Thumbnails are as wide as the setting and at most three times as tall.
THUMBNAIL_MAX_RATIO = 3


@dataclass(frozen=True)
class ProcessedImage:
    """A checked upload, re-encoded, with its thumbnail: ready to attach to a post."""

    image: ContentFile[bytes]
    thumbnail: ContentFile[bytes]
    width: int
    height: int

    def attach_to(self, post: Post) -> None:
        """Store both files under fresh names and fill the post's image fields (before save)."""
        post.image.save(self.image.name or "", self.image, save=False)
        post.image_thumbnail.save(self.thumbnail.name or "", self.thumbnail, save=False)
        post.image_width = self.width
        post.image_height = self.height


def _refuse(message: str) -> ServiceError:
    return ServiceError(message, errors={"image": [message]})


def _read_capped(file: UploadedFile, limit: int) -> bytes:
    """The upload's bytes, refusing it (without reading further) when it passes `limit`."""
    too_large = _("This image is too large: %(limit)s at most.") % {"limit": filesizeformat(limit)}
    if file.size is not None and file.size > limit:
        raise _refuse(too_large)
    file.seek(0)
    data: bytes = file.read(limit + 1)
    if len(data) > limit:
        raise _refuse(too_large)
    if not data:
        raise _refuse(_("This file is empty."))
    return data


def _decode(data: bytes, *, largest_side: int) -> tuple[Image.Image, str]:
    """Open, check and decode `data`: an upright RGB(A) or L(A) image and its stored format.

    JPEGs larger than `largest_side` are decoded straight at a reduced scale,
    which saves most of the memory and time that big photos would cost.
    """
    max_pixels = settings.TRIBUNE_IMAGE_MAX_PIXELS
    # Pillow's own bomb check reads this module-wide value: keep it in step with
    # the setting, and turn its warning into a refusal below.
    Image.MAX_IMAGE_PIXELS = max_pixels
    not_an_image = _("This file is not a picture we can read. Use a JPEG, PNG, GIF or WebP image.")
    too_many_pixels = _("This image has too many pixels: %(n)d megapixels at most.") % {
        "n": max(1, max_pixels // 1_000_000)
    }
    damaged = _("This image seems damaged and cannot be read.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(data), formats=OPEN_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(too_many_pixels) from None
        except Exception:  # Pillow raises many kinds of error on hostile input.
            raise _refuse(not_an_image) from None
        if opened.format not in STORED_FORMAT:
            raise _refuse(not_an_image)
        width, height = opened.size
        if width < 1 or height < 1:
            raise _refuse(not_an_image)
        if width * height > max_pixels:
            raise _refuse(too_many_pixels)
        fmt = STORED_FORMAT[opened.format]
        try:
            if opened.format in {"JPEG", "MPO"} and max(width, height) > largest_side:
                opened.draft(None, (largest_side, largest_side))
            opened.load()
            icc = opened.info.get("icc_profile")
            image = _upright(opened)
            image = _normalise_mode(image)
            image.thumbnail((largest_side, largest_side), Image.Resampling.LANCZOS)
            image = _to_srgb(image, icc)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(too_many_pixels) from None
        except Exception as e:
            logger.info("Refused an image Pillow could not decode: %r", e)
            raise _refuse(damaged) from None
    return image, fmt


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; as it is if that EXIF is unreadable."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception as e:  # a broken EXIF block is no reason to refuse the picture
        logger.info("Ignored an unreadable EXIF orientation: %r", e)
        return image


def _normalise_mode(image: Image.Image) -> Image.Image:
    """The image in L, LA, RGB, RGBA or CMYK (CMYK waits for its colour conversion)."""
    if image.mode in {"L", "LA", "RGB", "RGBA", "CMYK"}:
        return image
    if image.mode in {"P", "PA"}:
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):  # 16- and 32-bit greyscale PNGs: scale down to 8 bits
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def _to_srgb(image: Image.Image, icc: object) -> Image.Image:
    """Convert colours to sRGB by the embedded profile, so the profile can be dropped."""
    out_mode = "RGBA" if image.mode in {"RGBA", "LA"} else "RGB"
    if isinstance(icc, bytes) and icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(image, source, srgb, outputMode=out_mode)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, TypeError, ValueError):
            pass  # a broken or mismatched profile: keep the colours as they are
    if image.mode == "CMYK":
        return image.convert("RGB")
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Encode with no metadata at all: nothing from the source is passed to the encoder."""
    if fmt == "JPEG" and image.mode not in {"RGB", "L"}:
        image = image.convert("RGB")
    image.info.clear()
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **ENCODER_OPTIONS[fmt])
    return buffer.getvalue()


def _thumbnail(image: Image.Image, width: int) -> Image.Image:
    thumb = image.copy()
    thumb.thumbnail((width, width * THUMBNAIL_MAX_RATIO), Image.Resampling.LANCZOS)
    return thumb


def _random_stem() -> str:
    # Random names: nothing about the person or the original file shows in the URL,
    # and the address of an image in a private subwiki cannot be guessed.
    return secrets.token_urlsafe(16)


def process_upload(file: UploadedFile) -> ProcessedImage:
    """Check an uploaded image and prepare its cleaned copy and thumbnail, or refuse it."""
    data = _read_capped(file, settings.TRIBUNE_IMAGE_MAX_BYTES)
    image, fmt = _decode(data, largest_side=settings.TRIBUNE_IMAGE_MAX_SIDE)
    thumb = _thumbnail(image, settings.TRIBUNE_IMAGE_THUMBNAIL_WIDTH)
    stem, extension = _random_stem(), EXTENSION[fmt]
    return ProcessedImage(
        image=ContentFile(_encode(image, fmt), name=f"{stem}.{extension}"),
        thumbnail=ContentFile(_encode(thumb, fmt), name=f"{stem}-thumb.{extension}"),
        width=image.width,
        height=image.height,
    )


def process_preview_image(data: bytes) -> ContentFile[bytes]:
    """A small cleaned copy of a link preview's picture, or a ServiceError."""
    if len(data) > settings.TRIBUNE_IMAGE_MAX_BYTES:
        raise _refuse(_("This image is too large."))
    width = settings.TRIBUNE_IMAGE_THUMBNAIL_WIDTH
    image, fmt = _decode(data, largest_side=width * THUMBNAIL_MAX_RATIO)
    thumb = _thumbnail(image, width)
    return ContentFile(_encode(thumb, fmt), name=f"{_random_stem()}.{EXTENSION[fmt]}")
