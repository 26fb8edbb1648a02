"""The job feed aggregators read (Indeed's XML format, and the same jobs as JSON): every listed
posting, straight from the database, so a posting leaves the feed the moment it expires.

Indeed's fields: title, date (RFC 2822), referencenumber (the posting's id), url, company, city,
state (the region), country (ISO code), description (HTML), salary and jobtype. Texts are in the
language they were written in; places and the salary are in English, as in the JSON-LD.

A feed may be cached until the next listed posting expires, and never longer than five minutes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime

from lxml import etree
from sqlalchemy import func, select

from jobboard.core.db import utcnow
from jobboard.core.markdown import render_markdown
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.jobs.models import EmploymentType, Posting
from jobboard.jobs.queries import listed_condition, listed_postings
from jobboard.jobs.structured_data import logo_url

MAX_AGE = timedelta(minutes=5)
PUBLISHER = "IMAP Job Board"
JOB_TYPES = {
    EmploymentType.FULL_TIME: "fulltime",
    EmploymentType.PART_TIME: "parttime",
    EmploymentType.SHIFTS: "parttime",
}


@dataclass(frozen=True)
class FeedJob:
    title: str
    date: datetime
    referencenumber: str
    url: str
    company: str
    city: str
    state: str
    country: str
    description: str
    salary: str
    jobtype: str
    expirationdate: datetime
    logo: str | None


def _salary(posting: Posting) -> str:
    low, high = posting.salary_min_ils, posting.salary_max_ils
    if low is None and high is None:
        return ""
    if low is not None and high is not None and low != high:
        return f"ILS {low:,}-{high:,} per month"
    return f"ILS {low if low is not None else high:,} per month"


def feed_jobs() -> list[FeedJob]:
    """Every listed posting, newest first."""
    jobs = []
    for posting in listed_postings():
        site = posting.site
        jobs.append(
            FeedJob(
                title=posting.title,
                date=posting.first_published_at or posting.created_at,
                referencenumber=str(posting.id),
                url=external_url("jobs.detail", posting_id=posting.id, slug=posting.slug),
                company=posting.org.name,
                city=site.city.name,
                state=site.city.region.name,
                country="IL",
                description=str(render_markdown(posting.description_md)),
                salary=_salary(posting),
                jobtype=JOB_TYPES[posting.employment_type],
                expirationdate=posting.expires_at or utcnow(),
                logo=logo_url(posting.org) if posting.org.logo_name else None,
            )
        )
    return jobs


def max_age() -> int:
    """Seconds a feed may be cached: until the next listed posting expires, at most five minutes."""
    next_expiry = db.session.scalar(select(func.min(Posting.expires_at)).where(listed_condition()))
    limit = MAX_AGE if next_expiry is None else min(MAX_AGE, next_expiry - utcnow())
    return max(0, int(limit.total_seconds()))


def indeed_xml(jobs: list[FeedJob]) -> bytes:
    source = etree.Element("source")
    etree.SubElement(source, "publisher").text = PUBLISHER
    etree.SubElement(source, "publisherurl").text = external_url("pages.home")
    etree.SubElement(source, "lastBuildDate").text = format_datetime(utcnow(), usegmt=True)
    for job in jobs:
        element = etree.SubElement(source, "job")
        for name, value in asdict(job).items():
            if name == "logo":
                continue
            text = format_datetime(value, usegmt=True) if isinstance(value, datetime) else value
            etree.SubElement(element, name).text = text
    return bytes(etree.tostring(source, xml_declaration=True, encoding="utf-8", pretty_print=True))


def feed_json(jobs: list[FeedJob]) -> dict[str, object]:
    return {
        "publisher": PUBLISHER,
        "publisherurl": external_url("pages.home"),
        "lastBuildDate": utcnow().isoformat(),
        "jobs": [
            {
                **asdict(job),
                "date": job.date.isoformat(),
                "expirationdate": job.expirationdate.isoformat(),
            }
            for job in jobs
        ],
    }
