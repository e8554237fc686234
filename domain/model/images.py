"""A product's images: ordered, each a URL with optional alt text and size, checked before they are kept."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.model import input_limits
from domain.model.commands import ImageRequest
from domain.model.snapshots import ImageSnapshot
from domain.model.validation import Checks

_NOT_IN_URLS = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    alt: str | None
    width: int | None
    height: int | None

    def snapshot(self) -> ImageSnapshot:
        return {"url": self.url, "alt": self.alt, "width": self.width, "height": self.height}

    @classmethod
    def from_snapshot(cls, snapshot: ImageSnapshot) -> Image:
        return cls(snapshot["url"], snapshot["alt"], snapshot["width"], snapshot["height"])


def check_images(checks: Checks, field: str, images: Sequence[ImageRequest]) -> tuple[Image, ...]:
    checks.count(field, images, maximum=input_limits.IMAGES_MAX)
    seen: dict[str, int] = {}
    result = []
    for i, image in enumerate(images):
        url = _check_url(checks, f"{field}.{i}.url", image.url)
        alt = checks.text(f"{field}.{i}.alt", image.alt, max_length=input_limits.IMAGE_ALT_MAX, required=False)
        for side, value in (("width", image.width), ("height", image.height)):
            if value is not None:
                checks.integer(f"{field}.{i}.{side}", value, minimum=1, maximum=input_limits.IMAGE_SIDE_MAX)
        if url in seen:
            checks.fail(f"{field}.{i}.url", f"repeats image {seen[url]}")
        seen.setdefault(url, i)
        result.append(Image(url, alt, image.width, image.height))
    return tuple(result)


def _check_url(checks: Checks, field: str, url: str) -> str:
    clean = checks.text(field, url, max_length=input_limits.IMAGE_URL_MAX) or ""
    if clean and not _acceptable(clean):
        checks.fail(field, "must be an https:// URL without spaces or credentials, or a path on this service (/…)")
    return clean


def _acceptable(url: str) -> bool:
    """An https URL with a host, or a path on this service's own origin ('/demo/images/1.svg')."""
    if _NOT_IN_URLS.search(url):
        return False
    if url.startswith("/"):
        return not url.startswith("//")  # '//host/x' is another host, on whatever scheme the page has
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a malformed host, such as '[::1'
        return False
    return parts.scheme == "https" and bool(host) and "@" not in parts.netloc
