"""Keeping the index in step with the database (research/search.md, d): the 'search.sync' outbox
handler, the engine failing and recovering, reindex and the drift check, and their CLI commands.
Run through the real app on both databases, with the app's own (embedded) engine."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.core.outbox import OutboxMessage, OutboxStatus, backoff
from jobboard.extensions import db
from jobboard.jobs import renewal, reviewing, services
from jobboard.jobs.lifecycle import SEARCH_SYNC
from jobboard.jobs.models import CloseReason, Posting, PostingStatus
from jobboard.jobs.queries import postings_with_details
from jobboard.moderation.services import suspend_org, verify_org
from jobboard.search.documents import posting_document
from jobboard.search.engine import check, listed_ids, reindex
from jobboard.search.port import EngineUnavailable, SearchQuery
from tests.jobs.helpers import content, create, make_world, published
from tests.signing_in import sign_in


@pytest.fixture
def world(db_session):
    return make_world(db_session)


def search_ids(engine, text: str = "") -> set[int]:
    engine.refresh()
    return {hit.id for hit in engine.search(SearchQuery(text=text, per_page=100, now=int(utcnow().timestamp()))).hits}


def indexed(engine) -> set[int]:
    engine.refresh()  # the contract: writes are searchable after refresh()
    return engine.iter_ids()


def sync_rows(posting_id: int | None = None) -> list[OutboxMessage]:
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == SEARCH_SYNC).order_by(OutboxMessage.id))
    return [row for row in rows if posting_id is None or row.payload["posting_id"] == posting_id]


class _OtherWorld:
    """The world seen from the other organisation (its site and recruiter), for ``publish``."""

    def __init__(self, w):
        self.org, self.recruiter, self.site, self.admin = w.other, w.other_recruiter, w.other_site, w.admin


def publish(w, title: str, **overrides):
    posting = published(w, title=title, **overrides)
    db.session.commit()
    outbox.drain()
    return posting


# --- the outbox handler --------------------------------------------------------------------------


def test_approving_puts_the_posting_in_the_index(world, search_engine):
    posting = create(world, title="Zebrafish pediatrician")
    services.submit(posting, world.recruiter)
    db.session.commit()
    outbox.drain()
    assert sync_rows(posting.id) == []  # a draft or a submission is nothing public
    assert search_ids(search_engine, "zebrafish") == set()

    reviewing.approve(posting, world.admin)
    db.session.commit()
    assert [row.status for row in sync_rows(posting.id)] == [OutboxStatus.PENDING]
    assert search_ids(search_engine, "zebrafish") == set()  # not before the outbox is delivered

    outbox.drain()
    db.session.expire_all()
    assert [row.status for row in sync_rows(posting.id)] == [OutboxStatus.DONE]
    assert search_ids(search_engine, "zebrafish") == {posting.id}
    assert indexed(search_engine) == {posting.id}


def test_approval_through_the_moderation_page_indexes_after_the_eager_drain(world, search_engine, client):
    posting = create(world, title="Quetzal neonatologist")
    services.submit(posting, world.recruiter)
    db.session.commit()
    assert search_ids(search_engine, "quetzal") == set()

    sign_in(client, world.admin)
    response = client.post(f"/admin/postings/{posting.id}/approve")
    assert response.status_code == 302

    assert search_ids(search_engine, "quetzal") == {posting.id}
    assert [row.status for row in sync_rows(posting.id)] == [OutboxStatus.DONE]
    # The document is the posting as the database now has it.
    search_engine.refresh()
    hit = search_engine.search(SearchQuery(text="quetzal", now=int(utcnow().timestamp()))).hits[0]
    db.session.expire_all()
    assert hit.document == posting_document(postings_with_details([posting.id])[0])


def test_closing_expiring_and_unpublishing_remove_the_document(world, search_engine):
    closed = publish(world, "Okapi cardiologist one", specialty_slug="cardiology")
    expired = publish(world, "Okapi cardiologist two", specialty_slug="cardiology", site=world.tlv_site)
    unpublished = publish(
        world,
        "Okapi cardiologist three",
        specialty_slug="cardiology",
        description_md="A different text, so no duplicate warning.",
    )
    kept = publish(world, "Okapi psychiatrist four", specialty_slug="psychiatry")
    assert search_ids(search_engine, "okapi") == {closed.id, expired.id, unpublished.id, kept.id}

    services.close_posting(closed, world.recruiter, CloseReason.FILLED)
    db.session.commit()
    outbox.drain()
    assert search_ids(search_engine, "okapi") == {expired.id, unpublished.id, kept.id}

    expired.expires_at = utcnow() - timedelta(minutes=1)
    assert renewal.expire_due_postings() == 1
    db.session.commit()
    outbox.drain()
    assert expired.status == PostingStatus.EXPIRED
    assert indexed(search_engine) == {unpublished.id, kept.id}

    reviewing.unpublish(unpublished, world.admin, "Misleading salary.")
    db.session.commit()
    outbox.drain()
    assert indexed(search_engine) == {kept.id}
    assert search_ids(search_engine, "okapi") == {kept.id}


def test_an_approved_edit_updates_the_document(world, search_engine):
    posting = publish(world, "Narwhal pediatrician")
    revision = services.update_posting(
        posting, world.recruiter, content(world.site, title="Walrus pediatrician", salary_max_ils=52_000)
    )
    db.session.commit()
    outbox.drain()
    assert revision.id != posting.id
    # Pending review: the published version stays searchable, the edit is not.
    assert search_ids(search_engine, "narwhal") == {posting.id}
    assert search_ids(search_engine, "walrus") == set()

    reviewing.approve(revision, world.admin)
    db.session.commit()
    outbox.drain()
    assert search_ids(search_engine, "walrus") == {posting.id}
    assert search_ids(search_engine, "narwhal") == set()
    assert indexed(search_engine) == {posting.id}  # the revision row is never a document
    hit = search_engine.search(SearchQuery(text="walrus", now=int(utcnow().timestamp()))).hits[0]
    assert hit.document["salary_top_ils"] == 52_000


def test_an_edit_waiting_for_review_leaves_the_document_as_it_was(world, search_engine):
    posting = publish(world, "Axolotl internist", specialty_slug="internal-medicine")
    before = search_engine.search(SearchQuery(text="axolotl", now=int(utcnow().timestamp()))).hits[0].document
    services.update_posting(
        posting,
        world.recruiter,
        content(world.site, title="Axolotl internist", specialty_slug="internal-medicine", hebrew_level=5),
    )
    db.session.commit()
    outbox.drain()
    hit = search_engine.search(SearchQuery(text="axolotl", now=int(utcnow().timestamp()))).hits[0]
    assert hit.document["hebrew_level_min"] == before["hebrew_level_min"] != 5


def test_a_posting_of_a_suspended_organisation_is_removed_when_it_syncs(world, search_engine):
    posting = publish(world, "Pangolin anesthesiologist", specialty_slug="anesthesiology")
    world.org.status = type(world.org.status).SUSPENDED
    outbox.enqueue(SEARCH_SYNC, {"posting_id": posting.id})
    db.session.commit()
    outbox.drain()
    assert indexed(search_engine) == set()


def test_suspending_an_organisation_removes_its_postings_and_verifying_it_again_restores_them(world, search_engine):
    posting = publish(world, "Tapir anesthesiologist", specialty_slug="anesthesiology")
    other = publish(_OtherWorld(world), "Tapir internist", specialty_slug="internal-medicine")
    assert indexed(search_engine) == {posting.id, other.id}

    suspend_org(world.admin, world.org, "Fraudulent postings.")
    db.session.commit()
    outbox.drain()
    assert indexed(search_engine) == {other.id}
    assert search_ids(search_engine, "tapir") == {other.id}

    verify_org(world.admin, world.org, "Cleared.")
    db.session.commit()
    outbox.drain()
    assert indexed(search_engine) == {posting.id, other.id}


# --- the engine failing -----------------------------------------------------------------------


def test_with_the_engine_down_changes_commit_and_the_sync_waits_for_it(world, search_engine, monkeypatch):
    def down(*_args, **_kwargs):
        raise EngineUnavailable("connection refused")

    monkeypatch.setattr(search_engine, "upsert", down)
    monkeypatch.setattr(search_engine, "delete", down)

    posting = published(world, title="Capybara psychiatrist", specialty_slug="psychiatry")
    db.session.commit()
    stats = outbox.drain()
    assert stats.failed >= 1

    db.session.expire_all()
    assert posting.status == PostingStatus.PUBLISHED  # the change itself is committed
    [row] = sync_rows(posting.id)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert "EngineUnavailable" in row.last_error and "connection refused" in row.last_error
    assert row.next_attempt_at >= utcnow() + backoff(1) - timedelta(seconds=5)
    monkeypatch.undo()
    assert search_ids(search_engine, "capybara") == set()

    # The engine is back, but the row waits out its back-off.
    outbox.drain()
    db.session.expire_all()
    assert sync_rows(posting.id)[0].status == OutboxStatus.PENDING
    assert search_ids(search_engine, "capybara") == set()

    with time_machine.travel(utcnow() + backoff(1) + timedelta(seconds=5), tick=False):
        stats = outbox.drain()
    assert stats.delivered >= 1
    db.session.expire_all()
    [row] = sync_rows(posting.id)
    assert row.status == OutboxStatus.DONE
    assert row.attempts == 1
    assert search_ids(search_engine, "capybara") == {posting.id}


def test_an_approval_through_the_page_succeeds_while_the_engine_is_down(world, search_engine, client, monkeypatch):
    def down(*_args, **_kwargs):
        raise EngineUnavailable("connection refused")

    monkeypatch.setattr(search_engine, "upsert", down)
    posting = create(world, title="Dugong pediatrician")
    services.submit(posting, world.recruiter)
    db.session.commit()
    sign_in(client, world.admin)

    response = client.post(f"/admin/postings/{posting.id}/approve")

    assert response.status_code == 302
    db.session.expire_all()
    assert posting.status == PostingStatus.PUBLISHED
    [row] = sync_rows(posting.id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    monkeypatch.undo()
    assert search_ids(search_engine, "dugong") == set()


def test_a_failed_delete_is_retried_too(world, search_engine, monkeypatch):
    posting = publish(world, "Ibex pediatrician")

    def down(*_args, **_kwargs):
        raise EngineUnavailable("timed out")

    monkeypatch.setattr(search_engine, "delete", down)
    services.close_posting(posting, world.recruiter, CloseReason.WITHDRAWN)
    db.session.commit()
    outbox.drain()
    monkeypatch.undo()
    db.session.expire_all()
    assert posting.status == PostingStatus.CLOSED
    assert indexed(search_engine) == {posting.id}  # stale until the retry…
    assert search_ids(search_engine, "ibex") == {posting.id}

    with time_machine.travel(utcnow() + backoff(1) + timedelta(seconds=5), tick=False):
        outbox.drain()
    assert indexed(search_engine) == set()


# --- reindex and the drift check -----------------------------------------------------------------


def _listed_and_unlisted(world):
    listed = [
        published(
            world,
            title=f"Gecko physician {n}",
            specialty_slug=s,
            site=site,
            description_md=f"Text number {n} about {s}.",
        )
        for n, (s, site) in enumerate(
            [("pediatrics", world.site), ("psychiatry", world.site), ("cardiology", world.tlv_site)]
        )
    ]
    draft = create(world, title="Gecko draft")
    closed = published(world, title="Gecko closed", specialty_slug="anesthesiology")
    services.close_posting(closed, world.recruiter, CloseReason.FILLED)
    db.session.commit()
    return listed, [draft, closed]


def test_reindex_rebuilds_the_index_from_the_database(world, search_engine):
    listed, unlisted = _listed_and_unlisted(world)
    # The index drifted: a stale document and none of the listed ones.
    search_engine.clear()
    search_engine.upsert([{**posting_document(postings_with_details([unlisted[1].id])[0])}])
    search_engine.refresh()

    written, count = reindex()

    assert written == count == len(listed) == len(listed_ids())
    assert indexed(search_engine) == {p.id for p in listed}
    assert search_ids(search_engine, "gecko") == {p.id for p in listed}


def test_reindex_replays_changes_made_while_it_runs(world, search_engine, monkeypatch):
    listed, _ = _listed_and_unlisted(world)
    ids = {"w": world, "first": listed[0].id}
    late: dict[str, int] = {}
    original_rebuild = search_engine.rebuild

    def rebuild_with_changes_meanwhile(batches, before_swap=None):
        batches = list(batches)  # the snapshot is read (reindex expunges the session as it goes)…
        w = _reloaded(ids["w"])
        late["published"] = published(w, title="Gecko latecomer", specialty_slug="neurology").id  # …one is published
        services.close_posting(db.session.get(Posting, ids["first"]), w.recruiter, CloseReason.FILLED)  # …one closed
        db.session.flush()
        return original_rebuild(iter(batches), before_swap)

    monkeypatch.setattr(search_engine, "rebuild", rebuild_with_changes_meanwhile)
    written, count = reindex()
    monkeypatch.undo()

    assert written == 3  # the snapshot
    assert count == 3 and indexed(search_engine) == {listed[1].id, listed[2].id, late["published"]}
    assert set(listed_ids()) == indexed(search_engine)


def _reloaded(w):
    """The world's rows again, after a reindex detached them from the session."""
    fresh = SimpleNamespace(**vars(w))
    for name, value in vars(w).items():
        setattr(fresh, name, db.session.get(type(value), sa_inspect(value).identity))
    return fresh


def test_check_finds_missing_and_extra_documents_and_queues_fixes(world, search_engine):
    listed, unlisted = _listed_and_unlisted(world)
    outbox.drain()
    assert indexed(search_engine) == {p.id for p in listed}
    assert check() == (set(), set())

    search_engine.delete([listed[0].id])
    search_engine.upsert([posting_document(postings_with_details([unlisted[1].id])[0])])
    search_engine.refresh()
    before = len(sync_rows())

    missing, extra = check()
    db.session.commit()

    assert (missing, extra) == ({listed[0].id}, {unlisted[1].id})
    queued = sync_rows()[before:]
    assert sorted(row.payload["posting_id"] for row in queued) == sorted([listed[0].id, unlisted[1].id])
    assert all(row.status == OutboxStatus.PENDING for row in queued)

    outbox.drain()
    assert indexed(search_engine) == {p.id for p in listed}
    assert check() == (set(), set())


# --- the CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def test_cli_reindex(world, search_engine, runner):
    listed, _ = _listed_and_unlisted(world)
    search_engine.clear()
    search_engine.refresh()

    result = runner.invoke(args=["jobboard", "reindex"])

    assert result.exit_code == 0, result.output
    assert (
        f"Indexed {len(listed)} postings; the index now holds {len(listed)} (database: {len(listed)})." in result.output
    )
    assert indexed(search_engine) == {p.id for p in listed}


def test_cli_search_check_reports_and_repairs_drift(world, search_engine, runner):
    listed, unlisted = _listed_and_unlisted(world)
    outbox.drain()
    search_engine.delete([listed[2].id])
    search_engine.upsert([posting_document(postings_with_details([unlisted[1].id])[0])])
    search_engine.refresh()

    result = runner.invoke(args=["jobboard", "search-check"])

    assert result.exit_code == 0, result.output
    assert "Missing from the index: 1; in the index but not published: 1." in result.output
    assert "A sync is queued for each" in result.output
    # OUTBOX_EAGER is on in testing: the command drained the queue.
    assert indexed(search_engine) == {p.id for p in listed}

    again = runner.invoke(args=["jobboard", "search-check"])
    assert "Missing from the index: 0; in the index but not published: 0." in again.output
    assert "A sync is queued" not in again.output
