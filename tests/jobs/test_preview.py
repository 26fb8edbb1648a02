"""The posting form's Markdown preview: the description rendered by the sanitising renderer the
posting's page uses, asked for with htmx as the recruiter types; nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from jobboard.extensions import db
from jobboard.jobs.models import Posting
from jobboard.jobs.services import MAX_DESCRIPTION_CHARS

HTMX = {"HX-Request": "true"}


def preview(client, world, text: str):
    return client.post(f"/org/{world.org.slug}/postings/preview", data={"description_md": text}, headers=HTMX)


def test_the_preview_renders_markdown_and_drops_what_is_unsafe(client, login, world):
    login(world.recruiter)
    answer = preview(
        client, world, "## Duties\n\n- **Night** shifts\n- [Apply](javascript:alert(1))\n\n<script>alert(1)</script>"
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "<h3>Duties</h3>" in body and "<strong>Night</strong>" in body
    assert "<script" not in body and 'href="javascript' not in body and "&lt;script&gt;" in body
    assert "<html" not in body  # the fragment alone
    assert db.session.scalar(select(func.count()).select_from(Posting)) == 0


def test_an_empty_description_says_where_the_preview_will_be(client, login, world):
    login(world.recruiter)
    assert "The description appears here as doctors will read it." in preview(client, world, "  ").get_data(
        as_text=True
    )


def test_a_description_over_the_limit_is_refused_with_a_message(client, login, world):
    login(world.recruiter)
    answer = preview(client, world, "x" * (MAX_DESCRIPTION_CHARS + 1))
    assert answer.status_code == 422 and "too long to show" in answer.get_data(as_text=True)


def test_the_form_asks_for_the_preview_as_the_description_changes(client, login, world):
    login(world.recruiter)
    body = client.get(f"/org/{world.org.slug}/postings/new").get_data(as_text=True)
    assert f'hx-post="/org/{world.org.slug}/postings/preview"' in body
    assert 'hx-trigger="load, input changed delay:500ms from:#description_md"' in body
    assert 'id="description_md"' in body
