"""The addresses of postings and employers on lists of hits, as prefixes to which a card appends
an id or a slug."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for


def _path_prefix(endpoint: str, **values: Any) -> str:
    """The address of ``endpoint`` up to its last character (the "0" or "-" of ``values``), built
    once per script root: url_for per hit costs more than the rest of a card."""
    prefixes: dict[tuple[str, str], str] = current_app.extensions.setdefault("search_path_prefixes", {})
    key = (endpoint, request.script_root)
    prefix = prefixes.get(key)
    if prefix is None:
        prefix = prefixes[key] = url_for(endpoint, **values)[:-1]
    return prefix


def posting_path_prefix() -> str:
    """Hit links are "<prefix><id>-<slug>"."""
    return _path_prefix("jobs.detail", posting_id=0)


def employer_path_prefix() -> str:
    """Employer links are "<prefix><slug>"."""
    return _path_prefix("pages.employer", org_slug="-")
