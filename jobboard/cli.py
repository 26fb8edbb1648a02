"""``flask jobboard ...`` commands: set-up, demo data, the outbox worker, admin accounts."""

from __future__ import annotations

import ctypes
import signal
import sys
import time
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from jobboard.accounts import two_factor
from jobboard.accounts.models import AccountKind
from jobboard.accounts.services import WeakPassword, create_user, find_user_by_email
from jobboard.applications.cvs import sanitise_stored_cvs, sweep_uploads
from jobboard.core import outbox
from jobboard.core.schedule import run_due_jobs
from jobboard.demo.seed import seed_demo
from jobboard.extensions import db
from jobboard.licensing.catalogue import load_catalogue
from jobboard.search.engine import check, listed_ids, reindex
from jobboard.vocab.seed import load_vocabularies

jobboard_cli = AppGroup("jobboard", help="Jobboard administration.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@jobboard_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Full name shown in the interface.")
def create_admin(email: str, name: str) -> None:
    """Create an administrator account. The password is asked for, or read from standard input
    when it is piped. Two-factor sign-in is set up from a link mailed to the address."""
    email = email.strip().lower()
    if find_user_by_email(email) is not None:
        raise click.ClickException(f"An account with {email} exists already.")
    password = _read_password()
    try:
        admin = create_user(
            email=email, full_name=name, password=password, kind=AccountKind.STAFF, confirmed=True, is_admin=True
        )
    except WeakPassword as error:
        raise click.ClickException(error.message) from None
    two_factor.send_admin_setup_link(admin)
    db.session.commit()
    if current_app.config["OUTBOX_EAGER"]:
        outbox.drain()
    click.echo(
        f"Administrator {email} created. The link to set up two-factor sign-in is mailed to that address;"
        " the account has no admin powers until it is done."
    )


@jobboard_cli.command("seed-vocab")
def seed_vocab() -> None:
    """Load or refresh the vocabularies (regions, cities, professions, specialties, languages), and
    add the licence tracks and documents not yet there (an administrator's edits are kept)."""
    counts = load_vocabularies() | load_catalogue()
    db.session.commit()
    click.echo("Vocabularies loaded: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@jobboard_cli.command("seed-demo")
@click.option("--reset-passwords", is_flag=True, help="Give the existing demo accounts new passwords.")
def seed_demo_command(reset_passwords: bool) -> None:
    """Load vocabularies and demo data (development only); prints the demo accounts."""
    if current_app.config["JOBBOARD_ENV"] == "production":
        raise click.ClickException("Demo data is for development; it is refused in production.")
    counts, accounts = seed_demo(reset_passwords=reset_passwords)
    db.session.commit()
    outbox.drain()
    click.echo("Demo data: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    click.echo("Demo accounts:")
    for account, credentials in accounts:
        if account.is_admin:
            role = "admin"
        else:
            role = f"{account.role.value} at {account.org}" if account.org and account.role else account.kind.value
        shown = credentials.password or "(unchanged; --reset-passwords prints new ones)"
        click.echo(f"  {account.email:<45} {shown:<20} {role}")
        if credentials.authenticator_key:
            click.echo(f"    authenticator key for {account.email}: {credentials.authenticator_key}")


@jobboard_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database, beside the live one (the site keeps serving)."""
    total = len(listed_ids())
    with click.progressbar(length=total, label="Indexing postings") as bar:
        written, indexed = reindex(progress=bar.update)
    db.session.commit()
    click.echo(f"Indexed {written} postings; the index now holds {indexed} (database: {total}).")
    if indexed != len(listed_ids()):
        raise click.ClickException("The index and the database differ; run `flask jobboard search-check`.")


@jobboard_cli.command("search-check")
def search_check_command() -> None:
    """Compare the published postings with the index and queue a sync for every difference."""
    missing, extra = check()
    db.session.commit()
    click.echo(f"Missing from the index: {len(missing)}; in the index but not published: {len(extra)}.")
    if missing or extra:
        click.echo("A sync is queued for each; the worker applies them.")
        if current_app.config["OUTBOX_EAGER"]:
            outbox.drain()


@jobboard_cli.command("sweep-uploads")
def sweep_uploads_command() -> None:
    """Delete uploaded files no row refers to (left by a request that failed after writing)."""
    click.echo(f"Removed {sweep_uploads()} unreferenced files.")


@jobboard_cli.command("sanitise-cvs")
def sanitise_cvs_command() -> None:
    """Rewrite every stored CV, and every copy sent with an application, as a clean copy without
    scripts, actions, forms or attached files, as uploads are now; safe to run again."""
    report = sanitise_stored_cvs()
    db.session.commit()
    click.echo(f"CV files rewritten as clean copies: {report.rewritten}; clean already: {report.unchanged}.")
    for failure in report.failures:
        click.echo(f"Not cleaned, left as it is: {failure}")
    if report.failures:
        raise click.ClickException(f"Files that could not be cleaned: {len(report.failures)}; none was deleted.")


PERIODIC = "periodic"  # the periodic jobs, as a kind of work a worker can be limited to


def _kinds_of_work(only: str | None) -> frozenset[str] | None:
    """The kinds of work named by ``--only`` (None: all), refused with the known ones listed."""
    if only is None:
        return None
    handlers = current_app.extensions.get("outbox_handlers", {})
    known = {outbox.family(kind) for kind in handlers} | {PERIODIC}
    chosen = frozenset(name.strip() for name in only.split(",") if name.strip())
    unknown = chosen - known
    if not chosen or unknown:
        raise click.BadParameter(
            f"{', '.join(sorted(unknown)) or 'nothing'} is not a kind of work; choose from {', '.join(sorted(known))}",
            param_hint="--only",
        )
    return chosen


M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Each thread the search engine's writer starts gets a malloc arena of its own, which keeps
    the memory it freed: a worker indexing message after message grew by a hundred megabytes.
    Two arenas keep it flat (glibc only; elsewhere nothing changes)."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        return


@jobboard_cli.command("worker")
@click.option("--once", is_flag=True, help="Drain what is due and stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option("--batch-size", default=100, show_default=True)
@click.option(
    "--only",
    metavar="KINDS",
    help="Do only these kinds of work, comma-separated (mail, search, fairs, periodic); default: all.",
)
def worker(once: bool, interval: float, batch_size: int, only: str | None) -> None:
    """Deliver the outbox (e-mails, search-index updates, fair reminders) with retries, and run the
    periodic jobs."""
    families = _kinds_of_work(only)
    limit_malloc_arenas()
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo("Worker started." if families is None else f"Worker started for {', '.join(sorted(families))}.")
    while not stopping:
        if families is None or PERIODIC in families:
            run_due_jobs()
        stats = outbox.drain(batch_size=batch_size, max_batches=1, families=families)
        if stats.handled:
            click.echo(f"Delivered {stats.delivered}, failed {stats.failed}, dead {stats.dead}.")
        if once and not stats.handled:
            break
        if not stats.handled:
            time.sleep(interval)
    db.session.remove()
    click.echo("Worker stopped.")


def init_app(app: Flask) -> None:
    app.cli.add_command(jobboard_cli)
