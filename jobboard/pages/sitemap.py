"""What search engines are told to crawl: ``sitemap.xml`` lists the public pages that change
(listed postings, published fairs, verified employers' pages), each in every language of the
board with its alternates (``xhtml:link hreflang``) and ``x-default``, the address that lets the
reader's preferences choose; ``robots.txt`` keeps crawlers out of accounts and employers' and
administrators' pages and names the sitemap.

One sitemap holds at most 50,000 addresses: five per page, so up to 10,000 pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from lxml import etree
from sqlalchemy import select

from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.fairs.models import Fair, FairStatus
from jobboard.i18n import LANGUAGES
from jobboard.jobs.queries import listed_postings
from jobboard.orgs.models import Organization, OrgStatus

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
PRIVATE_PREFIXES = ("/org/", "/admin/", "/me/", "/account/", "/alerts/", "/invitations/")


@dataclass(frozen=True)
class Page:
    url: str  # the address without a language
    modified: datetime | None


def public_pages() -> list[Page]:
    pages = [Page(external_url("pages.home"), None), Page(external_url("search.index"), None)]
    pages += [Page(external_url("jobs.detail", posting_id=p.id, slug=p.slug), p.updated_at) for p in listed_postings()]
    fairs = db.session.scalars(select(Fair).where(Fair.status == FairStatus.PUBLISHED).order_by(Fair.starts_on))
    pages += [Page(external_url("fairs.detail", fair_slug=f.slug), f.updated_at) for f in fairs]
    employers = db.session.scalars(
        select(Organization).where(Organization.status == OrgStatus.VERIFIED).order_by(Organization.name)
    )
    pages += [Page(external_url("pages.employer", org_slug=o.slug), o.updated_at) for o in employers]
    return pages


def in_language(url: str, code: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/{code}{url[len(base) :]}"


def sitemap_xml(pages: list[Page]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "xhtml": XHTML_NS})
    for page in pages:
        for code in LANGUAGES:
            entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
            etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = in_language(page.url, code)
            if page.modified is not None:
                etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = page.modified.date().isoformat()
            for other in LANGUAGES:
                etree.SubElement(
                    entry,
                    f"{{{XHTML_NS}}}link",
                    rel="alternate",
                    hreflang=other,
                    href=in_language(page.url, other),
                )
            etree.SubElement(entry, f"{{{XHTML_NS}}}link", rel="alternate", hreflang="x-default", href=page.url)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def robots_txt() -> str:
    prefixes = [*PRIVATE_PREFIXES, *(f"/{code}{prefix}" for code in LANGUAGES for prefix in PRIVATE_PREFIXES)]
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in prefixes), ""]
    lines.append(f"Sitemap: {external_url('pages.sitemap')}")
    return "\n".join(lines) + "\n"
