"""User Markdown to safe HTML: markdown-it-py with raw HTML disabled, then nh3 (Ammonia) with a
small allow-list. No attribute but href/title survives, so ``on*``, ``style``, ``hx-*`` and
``data-*`` are gone, and links keep only http, https and mailto."""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str) -> Markup:
    rendered = _parser.render(text or "")
    # Headings h1/h2 belong to the page; demote them rather than drop their text.
    for level in ("1", "2"):
        rendered = rendered.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "svg", "math", "object"},
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 - nh3 output is the only thing marked safe


def summary(text: str, length: int = 160) -> str:
    """The first words of a Markdown text as plain text, at most ``length`` characters, cut at a
    word with "…": what a page's meta description and link previews show."""
    words = html.unescape(nh3.clean(str(render_markdown(text)), tags=set())).split()
    plain = " ".join(words)
    if len(plain) <= length:
        return plain
    return plain[: length - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
