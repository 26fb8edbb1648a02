"""A doctor's saved postings: the Save / Saved toggle on cards and the posting's page (htmx, and a
plain form without JavaScript), the list under "My saved postings", a visitor's way through
signing in back to the posting with it saved, and the list in the doctor's data (exported, and
erased with the account)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from jobboard.core.errors import NotFound, NotPermitted
from jobboard.core.personal_data import erase
from jobboard.extensions import db
from jobboard.jobs import saved
from jobboard.jobs.models import PostingStatus, SavedPosting
from tests.applications.conftest import make_posting, text_of
from tests.signing_in import sign_in_with_password

HTMX = {"HX-Request": "true"}


@pytest.fixture
def posting(world):
    return make_posting(world.org, world.site, title="Pediatrician, children's ward")


def saved_ids(user) -> set[int]:
    return set(db.session.scalars(select(SavedPosting.posting_id).where(SavedPosting.user_id == user.id)))


def test_saving_twice_or_removing_twice_changes_nothing(world, posting):
    saved.save(world.doctor, posting)
    saved.save(world.doctor, posting)
    assert saved_ids(world.doctor) == {posting.id}
    saved.unsave(world.doctor, posting)
    saved.unsave(world.doctor, posting)
    assert saved_ids(world.doctor) == set()


def test_only_doctors_save_and_only_listed_postings(world, posting):
    draft = make_posting(world.org, world.site, status=PostingStatus.DRAFT)
    with pytest.raises(NotFound):
        saved.save(world.doctor, draft)
    with pytest.raises(NotPermitted):
        saved.save(world.recruiter, posting)
    assert saved_ids(world.doctor) == saved_ids(world.recruiter) == set()


def test_the_toggle_saves_and_unsaves_in_place_with_htmx(client, login, world, posting):
    db.session.commit()
    login(world.doctor)
    page = client.get(f"/en/jobs/{posting.id}-{posting.slug}")
    assert re.search(r'<form class="d-inline save-toggle"[^>]*hx-post="/en/jobs/\d+/save"', page.get_data(as_text=True))
    assert "hx-trigger" not in page.get_data(as_text=True)

    answer = client.post(f"/en/jobs/{posting.id}/save", data={"saved": "1"}, headers=HTMX)
    assert answer.status_code == 200
    assert ">Saved</button>" in answer.get_data(as_text=True) and 'name="saved" value="0"' in answer.get_data(
        as_text=True
    )
    assert saved_ids(world.doctor) == {posting.id}

    answer = client.post(f"/en/jobs/{posting.id}/save", data={"saved": "0"}, headers=HTMX)
    assert ">Save</button>" in answer.get_data(as_text=True)
    assert saved_ids(world.doctor) == set()


def test_without_javascript_the_form_goes_back_to_its_page_and_the_list_shows_the_posting(
    client, login, world, posting
):
    gone = make_posting(world.org, world.site, title="Neonatologist, night shifts")
    db.session.commit()
    login(world.doctor)
    answer = client.post(f"/en/jobs/{posting.id}/save", data={"saved": "1", "next": "/en/jobs?q=pediatrics"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/en/jobs?q=pediatrics"
    client.post(f"/en/jobs/{gone.id}/save", data={"saved": "1", "next": "https://evil.example.net/"})
    gone.status = PostingStatus.CLOSED
    db.session.commit()

    mine = client.get("/en/me/saved")
    text = text_of(mine)
    assert mine.status_code == 200 and "2 postings on your list." in text
    assert "Saved to your list." in text  # the message of the plain post
    assert "Pediatrician, children's ward" in text and "Neonatologist, night shifts" in text
    assert "No longer open." in text.split("Neonatologist, night shifts")[1]
    assert 'href="/en/me/saved">My saved postings</a>' in mine.get_data(as_text=True)  # in the navigation
    assert client.post(f"/en/jobs/{posting.id}/save", data={"saved": "maybe"}).status_code == 422


def test_a_visitor_signs_in_and_comes_back_to_the_posting_that_saves_itself(client, world, posting):
    db.session.commit()
    page = client.get(f"/en/jobs/{posting.id}-{posting.slug}")
    link = re.search(
        r'<a class="btn btn-sm btn-outline-primary save-toggle" href="([^"]+)"', page.get_data(as_text=True)
    )
    assert link is not None
    login_url = link.group(1).replace("&amp;", "&")
    back = parse_qs(urlsplit(login_url).query)["next"][0]
    assert back == f"/en/jobs/{posting.id}-{posting.slug}?save=1"

    signed_in = sign_in_with_password(client, world.doctor.email, next=back)
    assert signed_in.headers["Location"] == back
    returned = client.get(back).get_data(as_text=True)
    assert re.search(
        r'hx-post="/en/jobs/\d+/save" hx-swap="outerHTML" hx-disabled-elt="find button" hx-trigger="submit, load"',
        returned,
    )
    assert 'name="saved" value="1"' in returned


def test_staff_see_no_toggle(client, login, world, posting):
    db.session.commit()
    login(world.recruiter)
    assert "save-toggle" not in client.get(f"/en/jobs/{posting.id}-{posting.slug}").get_data(as_text=True)


def test_the_list_is_in_the_export_and_goes_with_the_account(client, world, posting):
    other = make_posting(world.org, world.site, title="Internist")
    saved.save(world.doctor, posting)
    saved.save(world.doctor, other)
    db.session.commit()
    assert sign_in_with_password(client, world.doctor.email).status_code == 302
    archive = zipfile.ZipFile(io.BytesIO(client.post("/me/privacy/export").data))
    data = json.loads(archive.read("data.json"))
    assert [entry["posting"]["title"] for entry in data["saved_postings"]] == [
        "Pediatrician, children's ward",
        "Internist",
    ]
    erase(world.doctor)
    assert saved_ids(world.doctor) == set()
