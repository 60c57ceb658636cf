"""Image posts: what is stored is a clean, upright, size-capped copy; hostile files are refused."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import make_post
from tribune.core.exceptions import ServiceError
from tribune.posts.models import Post

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
ORIENTATION = 0x0112
ROTATE_90_CW = 6  # the EXIF orientation of a phone held upright


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def photo_with_gps(size=(800, 600)) -> bytes:
    """A JPEG as a phone writes it: sideways pixels, an orientation tag, a GPS position, XMP."""
    exif = Image.Exif()
    exif[ORIENTATION] = ROTATE_90_CW
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 3.0)
    image = Image.new("RGB", size, "red")
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Home, 12 rue Secrete</x:xmpmeta>'
    return encode(image, "JPEG", exif=exif, xmp=xmp, comment=b"taken at home")


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of width x height pixels, all black: a few dozen kilobytes.

    Written chunk by chunk rather than with Pillow, which would first need the
    whole 400-megapixel image in memory: exactly what a bomb is made to cause.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    compressor = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + packed bits
    rows = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "picture.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def image_post(member, data: bytes, name: str = "picture.jpg", alt: str = "A red square"):
    return make_post(
        member, kind="image", title="Look", body="", image=upload(data, name), image_alt=alt
    )


def refusal(member, data: bytes, name: str = "picture.jpg") -> str:
    with pytest.raises(ServiceError) as refused:
        image_post(member, data, name)
    assert refused.value.errors is not None
    [message] = refused.value.errors["image"]
    return message


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def opened(field) -> Image.Image:
    with field.open("rb") as f:
        return Image.open(io.BytesIO(f.read()))


def test_a_phone_photo_is_stored_upright_without_its_gps_position(member):
    post = image_post(member, photo_with_gps(), name="holiday-at-home.jpg")
    post.refresh_from_db()

    stored = opened(post.image)
    assert stored.format == "JPEG"
    assert stored.size == (600, 800)  # turned upright, as the phone showed it
    assert (post.image_width, post.image_height) == (600, 800)
    assert len(stored.getexif()) == 0
    assert "xmp" not in stored.info and "comment" not in stored.info
    with post.image.open("rb") as f:
        raw = f.read()
    assert b"Exif" not in raw and b"rue Secrete" not in raw and b"PhoneMaker" not in raw
    assert "holiday" not in post.image.name  # random names tell nothing about the file


def test_thumbnails_are_made_and_large_images_scaled_down(member, settings):
    big = Image.effect_noise((3000, 1500), 40).convert("RGB")
    post = image_post(member, encode(big, "JPEG"))

    stored, thumbnail = opened(post.image), opened(post.image_thumbnail)
    assert stored.size == (settings.TRIBUNE_IMAGE_MAX_SIDE, settings.TRIBUNE_IMAGE_MAX_SIDE // 2)
    assert thumbnail.size == (640, 320)
    assert post.image_thumbnail.name != post.image.name
    assert Path(post.image_thumbnail.path).is_file()


def test_small_images_are_not_enlarged(member):
    post = image_post(member, encode(Image.new("RGB", (120, 90), "blue"), "PNG"), "small.png")
    assert opened(post.image).size == (120, 90)
    assert opened(post.image_thumbnail).size == (120, 90)


@pytest.mark.parametrize(
    ("fmt", "mode", "stored_format", "stored_mode"),
    [
        ("PNG", "RGBA", "PNG", "RGBA"),  # transparency is kept
        ("GIF", "P", "PNG", "RGB"),  # stored as a PNG of its first frame
        ("WEBP", "RGB", "WEBP", "RGB"),
        ("PNG", "1", "PNG", "L"),
        ("JPEG", "CMYK", "JPEG", "RGB"),
    ],
)
def test_each_allowed_format_is_accepted(member, fmt, mode, stored_format, stored_mode):
    post = image_post(member, encode(Image.new(mode, (200, 100)), fmt), f"image.{fmt.lower()}")
    stored = opened(post.image)
    assert (stored.format, stored.mode) == (stored_format, stored_mode)
    assert post.image.name.endswith({"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[stored_format])


def test_a_phone_photo_with_a_second_picture_inside_is_accepted(member):
    """Many cameras write MPO: a JPEG with a preview picture appended."""
    picture = Image.new("RGB", (300, 200), "green")
    post = image_post(member, encode(picture, "MPO", save_all=True, append_images=[picture]))
    assert opened(post.image).format == "JPEG"


def test_each_upload_gets_its_own_random_name(member):
    data = encode(Image.new("RGB", (50, 50)), "PNG")
    first, second = image_post(member, data, "same.png"), image_post(member, data, "same.png")
    assert first.image.name != second.image.name


def test_a_text_file_named_jpg_is_refused(member, settings):
    message = refusal(member, b"Not a picture at all, just some words.\n" * 20, "notes.jpg")
    assert "not a picture" in message
    assert not Post.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
        ("page.gif", b"<html><script>alert(document.cookie)</script></html>"),
        ("bitmap.jpg", encode(Image.new("RGB", (10, 10)), "BMP")),
        ("scan.png", encode(Image.new("RGB", (10, 10)), "TIFF")),
        ("empty.png", b""),
    ],
)
def test_files_that_are_not_an_allowed_image_are_refused(member, name, data):
    message = refusal(member, data, name)
    assert "not a picture" in message or "empty" in message


def test_a_damaged_image_is_refused(member):
    data = encode(Image.effect_noise((400, 300), 60).convert("RGB"), "PNG")
    assert "damaged" in refusal(member, data[: len(data) * 2 // 3], "cut.png")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(member, settings):
    bomb = png_bomb()
    assert len(bomb) < 100_000  # 400 megapixels in a small file
    assert "too many pixels" in refusal(member, bomb, "bomb.png")
    assert stored_files(settings) == []


@pytest.mark.parametrize("size", [(1200, 1000), (3000, 1000)])
def test_images_over_the_pixel_limit_are_refused(member, settings, size):
    """Just over the limit (Pillow's warning) and over twice the limit (Pillow's error)."""
    settings.TRIBUNE_IMAGE_MAX_PIXELS = 1_000_000
    message = refusal(member, encode(Image.new("L", size), "PNG"), "wide.png")
    assert message == "This image has too many pixels: 1 megapixels at most."


def test_an_oversized_upload_is_refused_without_being_read(member, settings):
    data = photo_with_gps() + b"\0" * settings.TRIBUNE_IMAGE_MAX_BYTES
    message = refusal(member, data)
    assert message == "This image is too large: 10.0\xa0MB at most."


def test_the_size_limit_follows_the_setting(member, settings):
    settings.TRIBUNE_IMAGE_MAX_BYTES = 1000
    data = encode(Image.effect_noise((200, 200), 60).convert("RGB"), "PNG")
    assert "too large" in refusal(member, data, "noise.png")


def test_an_image_without_alt_text_is_refused(member, settings):
    with pytest.raises(ServiceError) as refused:
        image_post(member, photo_with_gps(), alt="   ")
    assert refused.value.errors is not None and "image_alt" in refused.value.errors
    assert stored_files(settings) == []


def test_an_image_post_needs_an_image(member):
    with pytest.raises(ServiceError) as refused:
        make_post(member, kind="image", title="Look", body="", image_alt="Nothing")
    assert refused.value.errors == {"image": ["Choose an image."]}
