"""The worker's digests (``run_due_alerts``): what a digest holds (published, unexpired and
matching at sending time, never sent before by this alert), what each posting shows, the
unsubscribe link and headers of every digest, empty digests, and batches."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from jobboard.alerts.models import AlertStatus, Frequency
from jobboard.alerts.services import INDEX_LAG, alert_for_unsubscribe, run_due_alerts
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.jobs import services as jobs
from jobboard.jobs.models import CloseReason
from jobboard.orgs.models import OrgStatus
from jobboard.search.engine import get_engine
from jobboard.search.port import SearchQuery
from tests.alerts.helpers import (
    digest_titles,
    digests,
    hold_sync,
    make_due,
    publish,
    run,
    save_alert,
    sent_log,
    sync,
)
from tests.factories import DoctorFactory, GrantProgramFactory


def indexed_ids() -> set[int]:
    get_engine().refresh()
    return {hit.id for hit in get_engine().search(SearchQuery(per_page=100, now=int(utcnow().timestamp()))).hits}


def raw_headers(app, message) -> str:
    """The header block of the delivered .eml file as bytes on the wire (folding and all)."""
    folder = Path(app.config["MAIL_FILE_DIR"])
    for path in sorted(folder.glob("*.eml")):
        raw = path.read_bytes().decode("utf-8", "replace")
        if message["Message-ID"] in raw:
            return raw.split("\r\n\r\n", 1)[0] if "\r\n\r\n" in raw else raw.split("\n\n", 1)[0]
    raise AssertionError("message not found")


# --- what a digest holds ------------------------------------------------------------------------


def test_each_posting_shows_title_employer_city_region_grants_and_a_link(world, client, mailbox):
    grant = GrantProgramFactory(name="Negev relocation grant", regions=["negev"])
    other_grant = GrantProgramFactory(name="Periphery housing grant", regions=["negev"])
    alert = save_alert(world.doctor, name="Negev", query="region=negev")
    posting = publish(world, "Senior neonatologist", grant_ids=[grant.id, other_grant.id])
    make_due(alert, utcnow())
    stats = run()
    assert (stats.processed, stats.mailed, stats.postings) == (1, 1, 1)

    [digest] = digests(mailbox, world.doctor.email)
    assert digest["Subject"] == "1 new position for your job alert “Negev”"
    text = mailbox.text(digest)
    block = text[text.index("* Senior neonatologist") : text.index("All matching positions")]
    assert "Negev Test Medical Center · Beersheba, Negev (periphery)" in block
    assert "Grants: Negev relocation grant; Periphery housing grant" in block
    link = mailbox.link(digest, f"/jobs/{posting.id}-")
    assert link == f"/jobs/{posting.id}-{posting.slug}"
    assert "Senior neonatologist" in client.get(link).get_data(as_text=True)
    assert "All matching positions: http://jobboard.test/jobs?region=negev" in text


def test_a_digest_names_places_and_grants_in_its_recipients_language(world, mailbox):
    grant = GrantProgramFactory(name="Negev relocation grant", names={"ru": "Грант на переезд в Негев"})
    world.doctor.language = "ru"
    alert = save_alert(world.doctor, name="Негев", query="region=negev")
    publish(world, "Senior neonatologist", grant_ids=[grant.id])
    make_due(alert, utcnow())
    run()

    [digest] = mailbox.to(world.doctor.email)
    text = mailbox.text(digest)
    assert "Negev Test Medical Center · Беэр-Шева, Негев (периферия)" in text
    assert "Грант на переезд в Негев" in text and "Negev relocation grant" not in text


def test_only_postings_matching_the_saved_search_are_sent(world, mailbox):
    alert = save_alert(world.doctor, query="region=negev&q=cardiologist")
    publish(world, "Cardiologist in Beersheba")
    publish(world, "Cardiologist in Tel Aviv", site=world.tlv_site)
    publish(world, "Dermatologist in Beersheba")
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Cardiologist in Beersheba"]


def test_a_posting_already_sent_by_this_alert_is_never_sent_again(world, mailbox):
    alert = save_alert(world.doctor, query="region=negev")
    started = alert.searched_until
    first = publish(world, "First pediatrician")
    make_due(alert, utcnow())
    run()
    assert sent_log(alert) == {first.id}

    # The next window overlaps the last one (here: rewound to before the first posting): the
    # sent-log keeps the first posting out, the new one goes.
    second = publish(world, "Second pediatrician")
    alert.searched_until = started
    make_due(alert, utcnow())
    run()
    first_digest, second_digest = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, first_digest) == ["First pediatrician"]
    assert digest_titles(mailbox, second_digest) == ["Second pediatrician"]
    assert sent_log(alert) == {first.id, second.id}

    # Only already-sent postings in the window: nothing is sent.
    alert.searched_until = started
    make_due(alert, utcnow())
    stats = run()
    assert (stats.processed, stats.mailed) == (1, 0)
    assert len(digests(mailbox, world.doctor.email)) == 2


def test_another_alert_still_gets_what_one_alert_already_sent(world, mailbox):
    one = save_alert(world.doctor, name="One", query="region=negev")
    other = save_alert(world.doctor, name="Other", query="q=pediatrician")
    posting = publish(world, "Pediatrician")
    make_due(one, utcnow())
    make_due(other, utcnow())
    run()
    assert sent_log(one) == sent_log(other) == {posting.id}
    assert sorted(m["Subject"] for m in digests(mailbox, world.doctor.email)) == [
        "1 new position for your job alert “One”",
        "1 new position for your job alert “Other”",
    ]


def test_a_posting_closed_between_runs_is_left_out_even_while_the_index_still_has_it(world, mailbox):
    alert = save_alert(world.doctor, query="region=negev")
    closed = publish(world, "Filled pediatrician")
    kept = publish(world, "Open pediatrician")
    jobs.close_posting(closed, world.recruiter, CloseReason.FILLED)
    hold_sync(closed)  # the index update is still waiting in the outbox
    sync()
    assert closed.id in indexed_ids()  # the engine would still offer it

    make_due(alert, utcnow())
    stats = run()
    assert stats.postings == 1
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Open pediatrician"]
    assert sent_log(alert) == {kept.id}
    assert closed.id in indexed_ids()


def test_a_posting_of_a_suspended_employer_still_in_the_index_is_left_out(world, mailbox):
    alert = save_alert(world.doctor, query="q=pediatrician")
    publish(world, "Pediatrician at a suspended employer")
    kept = publish(
        world, "Pediatrician elsewhere", org=world.other, site=world.other_site, recruiter=world.other_recruiter
    )
    world.org.status = OrgStatus.SUSPENDED  # set directly: no index update queued
    db.session.commit()
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Pediatrician elsewhere"]
    assert sent_log(alert) == {kept.id}


def test_a_posting_published_before_a_run_but_indexed_after_it_goes_in_the_next_digest(world, mailbox):
    alert = save_alert(world.doctor, query="region=negev")
    late = publish(world, "Pediatrician indexed late", sync_now=False)
    hold_sync(late)  # approved, but the index update has not been delivered yet
    sync()
    make_due(alert, utcnow())
    assert run().mailed == 0  # the engine does not know it yet
    with time_machine.travel(utcnow() + timedelta(minutes=20), tick=False):
        from jobboard.core.outbox import OutboxMessage

        for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")):
            row.next_attempt_at = utcnow()
        on_time = publish(world, "Pediatrician indexed at once")  # delivers the late update too
        make_due(alert, utcnow())
        run()
    [digest] = digests(mailbox, world.doctor.email)
    assert sorted(digest_titles(mailbox, digest)) == ["Pediatrician indexed at once", "Pediatrician indexed late"]
    assert sent_log(alert) == {late.id, on_time.id}


def test_resuming_does_not_reach_back_before_the_resume_through_the_overlap(world, client, login, mailbox):
    from jobboard.alerts import services as alert_services

    alert = save_alert(world.doctor, query="region=negev")
    alert_services.pause(alert)
    db.session.commit()
    publish(world, "Published while paused")
    with time_machine.travel(utcnow() + timedelta(seconds=2), tick=False):
        alert_services.resume(alert)
        db.session.commit()
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        after = publish(world, "Published after resuming")
        make_due(alert, utcnow())
        run()
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Published after resuming"]
    assert sent_log(alert) == {after.id}


def test_a_posting_expired_at_sending_time_is_left_out(world, mailbox):
    alert = save_alert(world.doctor, query="region=negev")
    publish(world, "Short pediatrician", duration_days=7)
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        # the worker has not expired it yet: it is still published in the database
        fresh = publish(world, "Fresh pediatrician")
        make_due(alert, utcnow())
        run()
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Fresh pediatrician"]
    assert sent_log(alert) == {fresh.id}


def test_an_empty_digest_is_not_sent_and_the_alert_moves_on(world, mailbox):
    alert = save_alert(world.doctor, query="region=haifa")
    publish(world, "Pediatrician in the Negev")
    now = utcnow() + timedelta(hours=2)
    make_due(alert, now)
    with time_machine.travel(now, tick=False):
        stats = run(now)
    assert (stats.processed, stats.mailed, stats.postings) == (1, 0, 0)
    assert digests(mailbox, world.doctor.email) == []
    db.session.refresh(alert)
    assert alert.last_found == 0 and alert.last_sent_at is None and alert.total_sent == 0
    assert alert.next_run_at > now
    # the next search starts INDEX_LAG before this run (the sent-log keeps the overlap out)
    assert alert.searched_until == now - INDEX_LAG


def test_a_posting_published_in_the_same_second_as_the_last_run_is_not_missed(world, mailbox):
    alert = save_alert(world.doctor, query="region=negev")
    second = utcnow().replace(microsecond=0) + timedelta(seconds=2)
    with time_machine.travel(second + timedelta(milliseconds=100), tick=False) as traveller:
        make_due(alert, utcnow())
        run()  # nothing new yet
        traveller.move_to(second + timedelta(milliseconds=600))
        posting = publish(world, "Published a moment after the run")
        traveller.move_to(second + timedelta(days=1))
        make_due(alert, utcnow())
        run()
    [digest] = digests(mailbox, world.doctor.email)
    assert digest_titles(mailbox, digest) == ["Published a moment after the run"]
    assert sent_log(alert) == {posting.id}


def test_the_alert_records_what_it_sent_newest_first(world, mailbox):
    start = utcnow() - timedelta(minutes=10)
    with time_machine.travel(start, tick=False) as traveller:
        alert = save_alert(world.doctor, query="region=negev")
        for n in range(3):
            traveller.move_to(start + timedelta(minutes=n + 1))
            publish(world, f"Pediatrician {n}")
    now = utcnow()
    make_due(alert, now)
    run(now)
    db.session.refresh(alert)
    assert (alert.last_found, alert.total_sent, alert.last_sent_at) == (3, 3, now)
    [digest] = digests(mailbox, world.doctor.email)
    assert digest["Subject"] == "3 new positions for your job alert “My alert”"
    assert digest_titles(mailbox, digest) == ["Pediatrician 2", "Pediatrician 1", "Pediatrician 0"]


# --- the unsubscribe link and headers -----------------------------------------------------------


@pytest.mark.parametrize(
    "base_url", ["http://jobboard.test", "https://jobs.international-medical-aliyah-program.example.org/board"]
)
def test_every_digest_has_the_unsubscribe_link_and_the_list_unsubscribe_headers(world, app, client, mailbox, base_url):
    visitor_alert = save_alert(email="visitor@example.net", name="Visitor’s “alert” with a long name " * 2)
    visitor_alert.status = AlertStatus.ACTIVE
    user_alert = save_alert(world.doctor, query="q=pediatrician", frequency=Frequency.INSTANT)
    publish(world, "Pediatrician")
    make_due(visitor_alert, utcnow())
    make_due(user_alert, utcnow())
    previous = app.config["BASE_URL"]
    app.config["BASE_URL"] = base_url
    try:
        run()
    finally:
        app.config["BASE_URL"] = previous

    for alert, address in ((visitor_alert, "visitor@example.net"), (user_alert, world.doctor.email)):
        [digest] = digests(mailbox, address)
        [expected] = re.findall(r"Unsubscribe from this alert \(one click, no sign-in\): (\S+)", mailbox.text(digest))
        assert expected.startswith(f"{base_url}/alerts/unsubscribe/")
        assert alert_for_unsubscribe(expected.rsplit("/", 1)[1]) is alert  # signed for this alert
        assert digest["List-Unsubscribe"] == f"<{expected}>"
        assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        headers = raw_headers(app, digest)
        # on the wire: a <…> URL on one line, never an RFC 2047 encoded word
        assert re.search(rf"^List-Unsubscribe: <{re.escape(expected)}>\r?$", headers, flags=re.MULTILINE), headers
        assert re.search(r"^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$", headers, flags=re.MULTILINE)
        unfolded = re.sub(r"\r?\n[ \t]", " ", headers)
        assert "=?" not in next(line for line in unfolded.splitlines() if line.startswith("List-Unsubscribe:"))
        # and the link works
        path = expected[len(base_url) :]
        assert (
            client.post(
                path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
            ).status_code
            == 200
        )
        db.session.refresh(alert)
        assert alert.status == AlertStatus.UNSUBSCRIBED


# --- batches ------------------------------------------------------------------------------------


def test_digests_are_computed_in_batches_with_one_commit_per_batch(world, mailbox):
    people = [DoctorFactory(email=f"batch{n}@example.org") for n in range(4)]
    alerts = [
        save_alert(people[n % 4], name=f"Alert {n}", query=("region=negev" if n % 2 else "q=pediatrician"))
        for n in range(11)
    ]
    quiet = save_alert(people[0], name="Nothing", query="region=haifa")
    paused = save_alert(people[1], name="Paused", query="region=negev")
    paused.status = AlertStatus.PAUSED
    later = save_alert(people[2], name="Not yet due", query="region=negev")
    posting = publish(world, "Pediatrician for everyone")
    now = utcnow()
    for alert in (*alerts, quiet, paused):
        alert.next_run_at = now - timedelta(minutes=1)
    later.next_run_at = now + timedelta(hours=1)
    db.session.commit()

    commits = []

    def record(session):
        commits.append(session)

    event.listen(Session, "after_commit", record)
    try:
        stats = run_due_alerts(now, batch_size=3)
    finally:
        event.remove(Session, "after_commit", record)
    sync()

    assert stats.processed == 12  # the 11, and the quiet one
    assert (stats.mailed, stats.postings) == (11, 11)
    assert len(commits) == 4  # ceil(12 / 3)
    for alert in alerts:
        db.session.refresh(alert)
        assert alert.last_found == 1 and alert.next_run_at > now and sent_log(alert) == {posting.id}
    assert sum(len(digests(mailbox, p.email)) for p in people) == 11
    db.session.refresh(later)
    assert sent_log(later) == set() and later.searched_until < now


# --- alerts that are no longer sent as they were saved -------------------------------------------


def test_a_deactivated_accounts_alerts_are_not_run(world, mailbox):
    alert = save_alert(world.doctor, query="region=negev")
    publish(world, "Pediatrician for nobody")
    world.doctor.is_deactivated = True
    make_due(alert, utcnow())
    assert run().processed == 0
    assert mailbox.to(world.doctor.email) == []
    db.session.refresh(alert)
    assert alert.status == AlertStatus.ACTIVE and sent_log(alert) == set()


def test_an_alert_whose_saved_grant_no_longer_exists_is_paused_with_a_mail_not_widened(app, world, mailbox):
    grant = GrantProgramFactory(name="Short-lived grant", regions=["negev"])
    db.session.commit()
    alert = save_alert(world.doctor, name="Grant only", query=f"grant={grant.slug}")
    db.session.delete(grant)
    db.session.commit()
    app.extensions.pop("search_catalogue", None)
    publish(world, "Pediatrician without that grant")
    make_due(alert, utcnow())
    stats = run()
    assert (stats.processed, stats.mailed) == (0, 0)
    assert digests(mailbox, world.doctor.email) == []
    [notice] = mailbox.to(world.doctor.email)
    assert notice["Subject"] == "Your job alert “Grant only” is paused"
    text = mailbox.text(notice)
    assert f"Ignored an unknown grant “{grant.slug}”." in text
    assert "List-Unsubscribe" in notice and "/alerts/unsubscribe/" in text
    db.session.refresh(alert)
    assert alert.status == AlertStatus.PAUSED and sent_log(alert) == set()
    make_due(alert, utcnow())
    assert run().processed == 0  # paused: not run again, no second notice
    assert len(mailbox.to(world.doctor.email)) == 1


def test_an_alert_without_filters_links_to_the_plain_search_page(world, mailbox):
    alert = save_alert(world.doctor, query="")
    publish(world, "Any pediatrician")
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, world.doctor.email)
    assert "All matching positions: http://jobboard.test/jobs\n" in mailbox.text(digest).replace("\r\n", "\n")


def test_a_full_digest_says_there_may_be_more(world, mailbox, monkeypatch):
    from jobboard.alerts import services as alert_services

    monkeypatch.setattr(alert_services, "MAX_PER_DIGEST", 2)
    alert = save_alert(world.doctor, query="region=negev")
    for n in range(3):
        publish(world, f"Pediatrician {n}")
    make_due(alert, utcnow())
    run()
    [digest] = digests(mailbox, world.doctor.email)
    assert len(digest_titles(mailbox, digest)) == 2
    assert "This digest holds the newest 2; there may be more." in mailbox.text(digest)
