"""Search benchmark: indexing rate, engine latency, and the search fragment under HTTP load next to
a trivial endpoint of the same app, plus how the engine's p95 grows from 10,000 to 100,000
postings.

    .venv/bin/python bench/search/run.py [--postings 20000] [--concurrency 8] [--seconds 20]

Everything runs in a throw-away instance folder (SQLite and the embedded engine unless
DATABASE_URL / MEILI_URL are set in the environment). The app is served by gunicorn with one
worker per core; the load comes from threads on this machine (gunicorn's sync workers close each
connection, so every request connects anew, for both endpoints alike). Both comparisons take
turns (ROUNDS) between their two sides rather than measuring one after the other.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ROUNDS = 4  # turns taken by the two sides of each comparison
SEARCH_SYNC = "search.sync"  # the outbox kind of a search-index update (``jobs.lifecycle``)
RANKS = ["Resident", "Specialist", "Senior physician"]
QUERY_MIX = [
    "q=pediatrcs",
    "q=anesthesiolgy",
    "q=Beershba",
    "q=psychi",
    "q=internal+medicine&region=negev",
    "q=cardiology&sort=salary",
    "region=galilee-north&periphery=1",
    "profession=nurse&region=negev",
    "city=beersheba&km=50&sort=distance",
    "city=haifa&km=25",
    "q=family+medicine&employer=clalit-health-services",
    "specialty=pediatrics&seniority=resident",
    "min_salary=40000&sort=salary",
    "q=emergency",
    "sort=newest",
    "q=senior+physician+surgery&page=2",
    "grant=periphery-grant-package-for-immigrant-health-professionals",
    "q=ortho&city=tel-aviv&km=50",
    "licence=exam_exemption&hebrew=3",
    "q=nurse+intensive",
]
# Text searches as doctors reading in Hebrew and Russian type them, inflected and prefixed ("in
# Beersheba", "of pediatrics"), with the filters of the English mix's text searches.
HEBREW_AND_RUSSIAN = [
    {"q": "רפואת ילדים"},
    {"q": "анестезиология"},
    {"q": "בבאר שבע"},
    {"q": "психи"},
    {"q": "внутренние болезни", "region": "negev"},
    {"q": "קרדיולוגיה", "sort": "salary"},
    {"q": "педиатрии в Беэр-Шеве"},
    {"q": "רפואה דחופה"},
    {"q": "медсестра реанимация"},
    {"q": "אורתופדיה", "city": "tel-aviv", "km": "50"},
]


def multilingual_mix() -> list[str]:
    """The English mix with the Hebrew and Russian searches added: a third of its searches."""
    from urllib.parse import urlencode

    return QUERY_MIX + [urlencode(search) for search in HEBREW_AND_RUSSIAN]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def seed(app, count: int) -> int:  # noqa: ANN001 - a Flask app
    """Vocabularies, the demo employers, and ``count`` published postings inserted in bulk."""
    from sqlalchemy import func, insert, select

    from jobboard.core.db import utcnow
    from jobboard.demo.postings import generate_content
    from jobboard.demo.seed import seed_demo
    from jobboard.extensions import db
    from jobboard.jobs.models import Posting, PostingStatus, posting_grants, posting_languages
    from jobboard.orgs.models import Organization, OrgStatus, Site
    from jobboard.vocab.models import Specialty

    with app.app_context():
        seed_demo()  # vocabularies, employers, sites, grant programs and a few hundred postings
        db.session.commit()
        rng = random.Random(7)
        specialties = {s.slug: s for s in db.session.scalars(select(Specialty))}
        sites = list(
            db.session.scalars(select(Site).join(Organization).where(Organization.status == OrgStatus.VERIFIED))
        )
        next_id = (db.session.scalar(select(func.max(Posting.id))) or 0) + 1
        now = utcnow()
        rows, grant_rows, language_rows = [], [], []
        for n in range(count):
            site = rng.choice(sites)
            content = generate_content(rng, site.org, site, specialties)
            published = now - timedelta(days=rng.randrange(0, 50), minutes=rng.randrange(0, 1440))
            posting_id = next_id + n
            rows.append(
                {
                    "id": posting_id,
                    "org_id": site.org_id,
                    "status": PostingStatus.PUBLISHED,
                    "title": content.title,
                    "profession_slug": content.profession_slug,
                    "specialty_slug": content.specialty_slug,
                    "seniority": content.seniority,
                    "employment_type": content.employment_type,
                    "site_id": site.id,
                    "licence_requirement": content.licence_requirement,
                    "hebrew_level": int(content.hebrew_level),
                    "salary_min_ils": content.salary_min_ils,
                    "salary_max_ils": content.salary_max_ils,
                    "start_date": content.start_date,
                    "duration_days": content.duration_days,
                    "description_md": content.description_md,
                    "created_by_id": None,
                    "approved_at": published,
                    "first_published_at": published,
                    "submitted_at": published,
                    "expires_at": published + timedelta(days=content.duration_days),
                    "created_at": published,
                    "updated_at": published,
                }
            )
            grant_rows += [{"posting_id": posting_id, "grant_program_id": g} for g in content.grant_ids]
            language_rows += [{"posting_id": posting_id, "language_code": c} for c in content.language_codes]
            if len(rows) == 2000 or n == count - 1:
                db.session.execute(insert(Posting), rows)
                if grant_rows:
                    db.session.execute(insert(posting_grants), grant_rows)
                if language_rows:
                    db.session.execute(insert(posting_languages), language_rows)
                db.session.commit()
                rows, grant_rows, language_rows = [], [], []
        return count


def tantivy_alone(app, count: int) -> float | None:  # noqa: ANN001 - a Flask app
    """Postings per second that the embedded engine's writer takes when the documents are made
    beforehand: the part of a reindex that is Tantivy's own (None with Meilisearch)."""
    from jobboard.search.documents import posting_document
    from jobboard.search.embedded.engine import REBUILD_HEAP_BYTES
    from jobboard.search.engine import get_engine
    from jobboard.search.stream import listed_postings

    with app.app_context():
        schema = getattr(get_engine(), "_schema", None)  # the embedded engine's, for its own documents
        if schema is None:
            return None
        documents = []
        for batch in listed_postings(2000):
            documents += [schema.document(posting_document(p)) for p in batch]
            if len(documents) >= count:
                break
        directory = Path(tempfile.mkdtemp(prefix="bench-tantivy-"))
        schema.create(directory)
        writer = schema.open(directory).writer(REBUILD_HEAP_BYTES)
        started = time.perf_counter()
        for document in documents:
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()
        return len(documents) / (time.perf_counter() - started)


def engine_latency(app, runs: int) -> tuple[float, float]:  # noqa: ANN001
    from werkzeug.datastructures import MultiDict

    from jobboard.search.engine import get_engine
    from jobboard.search.facets import catalogue
    from jobboard.search.params import parse, to_query

    with app.test_request_context():
        cities = catalogue().cities
        known = catalogue().labels
        queries = [to_query(parse(MultiDict(_pairs(q)), known, cities), cities, int(time.time())) for q in QUERY_MIX]
        engine = get_engine()
        for query in queries:
            engine.search(query)
        timings = []
        for n in range(runs):
            start = time.perf_counter()
            engine.search(queries[n % len(queries)])
            timings.append((time.perf_counter() - start) * 1000)
    return percentile(timings, 0.5), percentile(timings, 0.95)


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query)


def start_gunicorn(port: int, workers: int, *options: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The checkout's app (``wsgi:app``) under gunicorn on loopback, ``workers`` processes."""
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen(
        [*command, "--log-level", "warning", *options, "wsgi:app"], cwd=ROOT, env=env or os.environ.copy()
    )


def rss_mb(pid: int) -> float:
    """The process's resident memory (VmRSS) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn master's worker processes."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def web_rss(server: subprocess.Popen) -> str:
    return ", ".join(f"{rss_mb(pid):.0f}" for pid in worker_pids(server)) + " MB"


def queue_index_updates(app, count: int, *, seed: int) -> None:  # noqa: ANN001 - a Flask app
    """A search-index update queued for ``count`` listed postings, as their edits queue them."""
    from jobboard.core.db import write_lock
    from jobboard.core.outbox import enqueue
    from jobboard.extensions import db
    from jobboard.search.engine import listed_ids

    with app.app_context(), write_lock():  # SQLite: the worker may be writing
        ids = listed_ids()
        for posting_id in random.Random(seed).sample(ids, min(count, len(ids))):
            enqueue(SEARCH_SYNC, {"posting_id": posting_id})
        db.session.commit()
        db.session.remove()


def start_outbox_worker(env: dict[str, str] | None = None, *, paused: bool = False) -> subprocess.Popen:
    """``flask jobboard worker`` on the checkout's app. ``paused`` (on PostgreSQL only: paused
    inside a SQLite transaction it would hold the write lock), it is stopped (SIGSTOP) but while
    ``drained`` lets it work, so it takes no share of the machine from the load measured."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobboard", "worker", "--interval", "0.5"],
        cwd=ROOT,
        env=env or os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )
    time.sleep(5)  # imported, and through its first periodic jobs
    if paused:
        worker.send_signal(signal.SIGSTOP)
    return worker


def drained(worker: subprocess.Popen, app, kind: str, *, paused: bool = False) -> float:  # noqa: ANN001 - a Flask app
    """Wait until the worker has delivered every due message of ``kind`` (letting it work first
    when ``paused``, and pausing it again after); its RSS in MB."""
    from sqlalchemy import func, select

    from jobboard.core.db import utcnow
    from jobboard.core.outbox import OutboxMessage, OutboxStatus
    from jobboard.extensions import db

    if paused:
        worker.send_signal(signal.SIGCONT)
    due = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.kind == kind,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= utcnow(),
        )
    )
    with app.app_context():
        while db.session.scalar(due):
            db.session.rollback()
            time.sleep(0.2)
        db.session.remove()
    time.sleep(1)  # the last batch's commit, then idle
    if paused:
        worker.send_signal(signal.SIGSTOP)
    return rss_mb(worker.pid)


def stop_outbox_worker(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGCONT)
    worker.terminate()
    worker.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Load:
    """Latencies (ms) and failures of requests driven for a number of seconds, over one or more runs."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.seconds = 0.0

    def summary(self) -> dict[str, float]:
        return {
            "requests": len(self.latencies),
            "errors": self.errors,
            "rps": len(self.latencies) / self.seconds,
            "p50_ms": percentile(self.latencies, 0.5),
            "p95_ms": percentile(self.latencies, 0.95),
        }


def drive(port: int, paths: list[str], headers: dict[str, str], concurrency: int, seconds: float, load: Load) -> None:
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = offset
        mine: list[float] = []
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                connection.request("GET", paths[n % len(paths)], headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if ok:
                mine.append((time.perf_counter() - start) * 1000)
            else:
                with lock:
                    load.errors += 1
            n += 1
        with lock:
            load.latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds += seconds


def wait_until_up(port: int) -> None:
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the app did not start")


def engine_scaling(sizes: list[int], runs: int) -> dict[int, float]:
    """Engine p95 on synthetic documents of the posting shape, per index size."""
    from jobboard.search.embedded import CityPoint, EmbeddedEngine
    from jobboard.search.params import SearchState, to_query
    from jobboard.search.port import AnyOf, IsTrue, Near, Range, SearchQuery, Sort
    from jobboard.vocab.spellings import spellings

    vocabulary = json.loads((ROOT / "jobboard" / "vocab" / "data.json").read_text())
    cities = [CityPoint(c["slug"], c["lat"], c["lon"]) for c in vocabulary["cities"]]
    city_rows = vocabulary["cities"]
    specialties = vocabulary["specialties"]
    words = [
        "department",
        "team",
        "patients",
        "ward",
        "clinic",
        "night",
        "shifts",
        "teaching",
        "research",
        "hospital",
        "community",
        "care",
        "emergency",
        "surgery",
        "residents",
        "students",
        "on-call",
        "relocation",
        "ulpan",
        "hebrew",
        "support",
    ]
    beersheba = next(c for c in cities if c.slug == "beersheba")

    def spelled(term: dict) -> list[str]:  # as documents.term_spellings gives them
        return list(spellings(term["name"], tuple(term["names"].values()), tuple(term["aliases"])))

    # As the search page asks them: counting the facets its filter column shows at first.
    facets = to_query(SearchState(), {}, 0).facets
    queries = [
        SearchQuery(text="pediatrcs", now=0, facets=facets),
        SearchQuery(text="anesthesiolgy", now=0, facets=facets),
        SearchQuery(text="Beershba", now=0, facets=facets),
        SearchQuery(text="psychi", now=0, facets=facets),
        SearchQuery(text="internal medicine", filters=(AnyOf("region", ("negev",)),), now=0, facets=facets),
        SearchQuery(text="", filters=(IsTrue("is_periphery"),), sort=Sort.NEWEST, now=0, facets=facets),
        SearchQuery(
            text="", near=Near("beersheba", beersheba.lat, beersheba.lon, 50), sort=Sort.DISTANCE, now=0, facets=facets
        ),
        SearchQuery(
            text="cardiology", filters=(Range("salary_top_ils", minimum=40000),), sort=Sort.SALARY, now=0, facets=facets
        ),
    ]
    engines = {}
    for size in sizes:
        rng = random.Random(size)
        engine = EmbeddedEngine(tempfile.mkdtemp(prefix="bench-engine-"), cities)
        engine.configure()

        def batches(size: int, rng: random.Random):  # noqa: ANN202
            for start in range(0, size, 5000):
                batch = []
                for i in range(start, min(size, start + 5000)):
                    city, specialty = rng.choice(city_rows), rng.choice(specialties)
                    salary = rng.randrange(15000, 90000, 500) if rng.random() < 0.7 else None
                    batch.append(
                        {
                            "id": i + 1,
                            "slug": "p",
                            "title": f"{rng.choice(RANKS)}, {specialty['name']}",
                            "description_text": " ".join(rng.choices(words, k=60)),
                            "profession": "physician",
                            "profession_label": "Physician",
                            "specialty": specialty["slug"],
                            "specialty_label": specialty["name"],
                            "specialty_aliases": spelled(specialty),
                            "employer": f"employer-{i % 40}",
                            "employer_name": f"Employer {i % 40}",
                            "site_name": "Site",
                            "region": city["region"],
                            "region_label": city["region"],
                            "is_periphery": city["is_periphery"],
                            "city": city["slug"],
                            "city_name": city["name"],
                            "city_aliases": spelled(city),
                            "_geo": {
                                "lat": city["lat"] + rng.uniform(-0.05, 0.05),
                                "lng": city["lon"] + rng.uniform(-0.05, 0.05),
                            },
                            "grant_programs": [],
                            "grant_names": [],
                            "grant_max_ils": None,
                            "languages_required": [],
                            "hebrew_level_min": rng.randrange(0, 5),
                            "licence_requirements": ["israeli_licence"],
                            "salary_min_ils": salary,
                            "salary_max_ils": None,
                            "salary_top_ils": salary,
                            "employment_type": "full_time",
                            "seniority": "resident",
                            "posted_at": 1_700_000_000 + i,
                            "expires_at": 4_000_000_000,
                        }
                    )
                yield batch

        engine.rebuild(batches(size, rng))
        for query in queries:
            engine.search(query)
        engines[size] = engine
    # The sizes take turns, so a drift in the machine's speed weighs on each alike.
    timings: dict[int, list[float]] = {size: [] for size in sizes}
    for _round in range(ROUNDS):
        for size, engine in engines.items():
            for n in range(runs // ROUNDS):
                start = time.perf_counter()
                engine.search(queries[n % len(queries)])
                timings[size].append((time.perf_counter() - start) * 1000)
    return {size: percentile(found, 0.95) for size, found in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--worker-batch", type=int, default=2000, help="postings the worker re-indexes per run")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="bench-search-"))
    os.environ["JOBBOARD_INSTANCE_PATH"] = str(instance)
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["RATELIMIT_ENABLED"] = "false"
    os.environ["OUTBOX_EAGER"] = "false"
    import flask_migrate

    from jobboard import create_app
    from jobboard.search.engine import reindex

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
    print(f"instance: {instance}")
    started = time.perf_counter()
    seeded = seed(app, args.postings)
    print(f"seeded {seeded} postings in {time.perf_counter() - started:.1f} s")
    with app.app_context():
        started = time.perf_counter()
        written, indexed = reindex()
        elapsed = time.perf_counter() - started
    print(
        f"indexing: {written} postings in {elapsed:.1f} s = {written / elapsed:,.0f} postings/s (index holds {indexed})"
    )
    engine_alone = tantivy_alone(app, min(written, 20_000))
    if engine_alone is not None:
        print(
            f"Tantivy alone (the same documents made beforehand, added and committed): {engine_alone:,.0f} "
            f"postings/s; reindex/Tantivy alone: {written / elapsed / engine_alone:.1%}"
        )
    p50, p95 = engine_latency(app, 2000)
    print(f"engine query over the mix: p50 {p50:.2f} ms, p95 {p95:.2f} ms")

    port = free_port()
    server = start_gunicorn(port, args.workers)
    try:
        wait_until_up(port)
        search_paths = [f"/jobs?{q}" for q in QUERY_MIX]
        multilingual_paths = [f"/jobs?{q}" for q in multilingual_mix()]
        fragment_headers = {"HX-Request": "true"}
        drive(port, multilingual_paths, fragment_headers, args.concurrency, 3, Load())  # warm-up
        trivial, fragment, multilingual = Load(), Load(), Load()
        memory: list[str] = []
        round_ratios = []  # each round's, as the sides of a round run equally long
        # The endpoints take turns, so a drift in the machine's speed weighs on each alike.
        turn = args.seconds / ROUNDS
        for _round in range(ROUNDS):
            trivial_before, fragment_before = len(trivial.latencies), len(fragment.latencies)
            drive(port, ["/healthz"], {}, args.concurrency, turn, trivial)
            drive(port, search_paths, fragment_headers, args.concurrency, turn, fragment)
            drive(port, multilingual_paths, fragment_headers, args.concurrency, turn, multilingual)
            round_ratios.append((len(fragment.latencies) - fragment_before) / (len(trivial.latencies) - trivial_before))
            memory.append(f"after search round {_round + 1}: web workers {web_rss(server)}")
        worker = start_outbox_worker()
        for number in range(ROUNDS):
            queue_index_updates(app, args.worker_batch, seed=number)
            memory.append(
                f"after index update run {number + 1} ({args.worker_batch} postings): "
                f"worker {drained(worker, app, SEARCH_SYNC):.0f} MB"
            )
        stop_outbox_worker(worker)
    finally:
        server.terminate()
        server.wait()
    for name, figures in (
        ("trivial /healthz", trivial.summary()),
        ("search fragment", fragment.summary()),
        ("with he/ru queries", multilingual.summary()),
    ):
        print(
            f"{name:18} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms"
            f"  ({figures['requests']} requests, {figures['errors']} errors)"
        )
    print(
        f"throughput ratio search/trivial: {fragment.summary()['rps'] / trivial.summary()['rps']:.1%} "
        f"(rounds: {', '.join(f'{ratio:.1%}' for ratio in round_ratios)})"
    )
    print(
        "throughput ratio with Hebrew and Russian queries/English mix: "
        f"{multilingual.summary()['rps'] / fragment.summary()['rps']:.1%}"
    )
    print("resident memory (VmRSS):")
    for line in memory:
        print(f"  {line}")
    if not args.skip_scaling:
        scaling = engine_scaling([10_000, 100_000], 1000)
        print(
            f"engine p95 at 10,000: {scaling[10_000]:.2f} ms; at 100,000: {scaling[100_000]:.2f} ms; "
            f"ratio {scaling[100_000] / scaling[10_000]:.2f}"
        )


if __name__ == "__main__":
    main()
