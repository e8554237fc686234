"""CATALOG_ELASTICSEARCH_URL: one node's URL, or the URLs of several nodes of one cluster, comma-separated.

elasticsearch-py is given the list: it sends requests to the nodes in turn and, when one fails to connect or
times out, marks it dead for a while (1 s, doubling up to 30 s) and retries the request on another. Sniffing
stays off: the nodes are the ones configured, reachable as configured (a cluster's published addresses may not
be). The lean read connections (api/fastpath) take the same nodes the same way.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def node_urls(value: str) -> list[str]:
    """The URLs in ``value``, in order; ValueError for an empty one, one named twice, or one that is not an
    ``http://`` or ``https://`` URL with a host."""
    urls = [part.strip() for part in value.split(",")]
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{redacted(url) or 'an empty entry'!r} is not the http:// or https:// URL of a node")
    if len(set(urls)) < len(urls):
        raise ValueError("a node is named twice")
    return urls


def redacted(value: str) -> str:
    """``value`` (one URL or several) without credentials, for messages."""
    return ",".join(_without_credentials(part.strip()) for part in value.split(","))


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
