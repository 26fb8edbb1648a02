"""Addresses: redirect targets taken from the request (``next=``) stay on this site, and
absolute links are built from BASE_URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def is_local_path(target: str | None) -> bool:
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\r\n\t\\") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    return target if target is not None and is_local_path(target) else fallback


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link built from BASE_URL, never from the request's Host header (a forged
    Host must not end up in a password-reset mail). It names no language: whoever follows it
    reads the page in their own (their account's, their saved or their browser's)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, url_scheme=base.scheme, script_name=base.path or "/")
    return adapter.build(endpoint, values, force_external=True)
