"""A posting's description as the search document holds it: plain words for matching and
snippets, headings and list items ended as sentences so a snippet does not run them together."""

from __future__ import annotations

from jobboard.search.documents import description_text


def test_headings_and_list_items_end_as_sentences_and_markdown_marks_go():
    markdown = (
        "Our **pediatrics** team grows.\n\n## The position\n\nDay-to-day care.\n\n"
        "## What we look for\n\n- A recognised degree\n- Hebrew: some\n- Ready to start?\n1. Nights on call\n\n"
        "See [our site](https://example.org)."
    )
    assert description_text(markdown) == (
        "Our pediatrics team grows.\n\nThe position.\n\nDay-to-day care.\n\nWhat we look for.\n\n"
        "A recognised degree.\nHebrew: some.\nReady to start?\nNights on call.\n\nSee our site."
    )
