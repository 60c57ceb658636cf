from __future__ import annotations

import pytest


@pytest.fixture
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    (root / "posts").mkdir(parents=True)
    (root / "posts" / "a1b2.png").write_bytes(b"\x89PNG\r\n\x1a\nrest")
    (root / "posts" / "page.html").write_text("<script>alert(1)</script>")
    settings.MEDIA_ROOT = root
    return root


def test_uploaded_images_are_served_with_long_caching(client, media_root):
    response = client.get("/media/posts/a1b2.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize(
    "path", ["/media/posts/page.html", "/media/posts/missing.png", "/media/../settings.png"]
)
def test_nothing_but_existing_images_is_served(client, media_root, path):
    assert client.get(path).status_code in {400, 404}


def test_only_reads_are_allowed(client, media_root):
    assert client.post("/media/posts/a1b2.png").status_code == 405
