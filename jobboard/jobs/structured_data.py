"""schema.org ``JobPosting`` for the public posting page, with the properties Google's job
search requires (title, description, datePosted, hiringOrganization, jobLocation) and those it
recommends (validThrough, employmentType, baseSalary, identifier, directApply), and the
employer's logo when one is uploaded.

The place, occupation and grant names are the vocabularies' English ones on every language's
page: the markup is for search engines' job listings (which place a posting by its locality and
region) and links to the address that names no language, whatever page it is on."""

from __future__ import annotations

from typing import Any

from jobboard.core.markdown import render_markdown
from jobboard.core.urls import external_url
from jobboard.jobs.models import Posting
from jobboard.orgs.models import Organization


def logo_url(org: Organization) -> str:
    """The employer's uploaded logo, as an absolute address (``orgs.logos``)."""
    return external_url("pages.logo", org_slug=org.slug, logo_name=org.logo_name)


def job_posting_json_ld(posting: Posting) -> dict[str, Any]:
    site = posting.site
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.title,
        "description": str(render_markdown(posting.description_md)),
        "identifier": {"@type": "PropertyValue", "name": posting.org.name, "value": str(posting.id)},
        "datePosted": posting.first_published_at.date().isoformat() if posting.first_published_at else None,
        "validThrough": posting.expires_at.isoformat() if posting.expires_at else None,
        "employmentType": posting.employment_type.schema_org,
        "hiringOrganization": {
            "@type": "Organization",
            "name": posting.org.name,
            **({"sameAs": posting.org.website} if posting.org.website else {}),
            **({"logo": logo_url(posting.org)} if posting.org.logo_name else {}),
        },
        "jobLocation": {
            "@type": "Place",
            "name": site.name,
            "address": {
                "@type": "PostalAddress",
                **({"streetAddress": site.address} if site.address else {}),
                "addressLocality": site.city.name,
                "addressRegion": site.city.region.name,
                "addressCountry": "IL",
            },
            "geo": {"@type": "GeoCoordinates", "latitude": site.lat, "longitude": site.lon},
        },
        "directApply": True,
        "url": external_url("jobs.detail", posting_id=posting.id, slug=posting.slug),
        "occupationalCategory": posting.specialty.name if posting.specialty else posting.profession.name,
    }
    if posting.salary_min_ils is not None or posting.salary_max_ils is not None:
        value: dict[str, object] = {"@type": "QuantitativeValue", "unitText": "MONTH"}
        if posting.salary_min_ils is not None:
            value["minValue"] = posting.salary_min_ils
        if posting.salary_max_ils is not None:
            value["maxValue"] = posting.salary_max_ils
        data["baseSalary"] = {"@type": "MonetaryAmount", "currency": "ILS", "value": value}
    if posting.grants:
        data["incentiveCompensation"] = "; ".join(f"{g.name}: {g.amount_note}" for g in posting.grants)
    if posting.start_date:
        data["jobStartDate"] = posting.start_date.isoformat()
    return {key: value for key, value in data.items() if value is not None}
