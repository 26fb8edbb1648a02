"""Builders for the search tests: hand-made search documents shaped like
``jobboard.search.documents.posting_document`` output, some vocabulary cities (as in
``jobboard/vocab/data.json``, whose names the engines recognise in queries) as ``CityPoint``s,
and points at a chosen distance from a city."""

from __future__ import annotations

import math
import time
from typing import Any

from jobboard.search.embedded import CityPoint
from jobboard.vocab.seed import vocabulary_data
from jobboard.vocab.spellings import spellings


def _spellings(term: dict[str, Any], *, plural: bool = False) -> list[str]:
    """A vocabulary term's other spellings, as ``documents.term_spellings`` gives them."""
    return list(spellings(term["name"], tuple(term["names"].values()), tuple(term.get("aliases", ())), plural=plural))


def _vocabulary_cities(*slugs: str) -> dict[str, dict[str, Any]]:
    """Some of the vocabulary's cities, with what a document says of them."""
    data = vocabulary_data()
    regions = {region["slug"]: region for region in data["regions"]}
    return {
        city["slug"]: dict(
            name=city["name"],
            spellings=_spellings(city),
            region=city["region"],
            region_label=regions[city["region"]]["name"],
            region_spellings=_spellings(regions[city["region"]]),
            periphery=city["is_periphery"],
            lat=city["lat"],
            lon=city["lon"],
        )
        for city in data["cities"]
        if city["slug"] in slugs
    }


CITIES: dict[str, dict[str, Any]] = _vocabulary_cities(
    "beersheba", "dimona", "sderot", "haifa", "tel-aviv", "beer-yaakov"
)
CITY_POINTS = [CityPoint(slug, c["lat"], c["lon"]) for slug, c in CITIES.items()]

_VOCABULARY = vocabulary_data()
# slug → (label, spellings); None: a posting without a specialty.
SPECIALTIES: dict[str | None, tuple[str | None, list[str]]] = {
    specialty["slug"]: (specialty["name"], _spellings(specialty))
    for specialty in _VOCABULARY["specialties"]
    if specialty["slug"] in ("pediatrics", "psychiatry", "anesthesiology", "cardiology", "internal-medicine")
}
SPECIALTIES[None] = (None, [])
PROFESSIONS = {
    profession["slug"]: (profession["name"], _spellings(profession, plural=True))
    for profession in _VOCABULARY["professions"]
    if profession["slug"] in ("physician", "nurse")
}

NOW = int(time.time())
DAY = 86_400


def offset_point(lat: float, lon: float, north_km: float = 0.0, east_km: float = 0.0) -> tuple[float, float]:
    """A point about ``north_km``/``east_km`` from (lat, lon) (good to a few metres at these scales)."""
    return (lat + north_km / 111.195, lon + east_km / (111.195 * math.cos(math.radians(lat))))


def document(pk: int, title: str, **fields: Any) -> dict[str, Any]:
    """A search document; ``city``, ``specialty`` and ``profession`` fill their labels, and any
    other field given overrides the default."""
    city_slug = fields.pop("city", "beersheba")
    city = CITIES[city_slug]
    specialty = fields.pop("specialty", "pediatrics")
    specialty_label, specialty_aliases = SPECIALTIES[specialty]
    profession = fields.pop("profession", "physician")
    employer = fields.pop("employer", "soroka")
    lat, lon = fields.pop("point", (city["lat"], city["lon"]))
    grants = fields.pop("grants", [])
    salary_min, salary_max = fields.pop("salary", (None, None))
    doc: dict[str, Any] = {
        "id": pk,
        "slug": f"job-{pk}",
        "title": title,
        "description_text": fields.pop("description", "A position in a friendly team."),
        "translations_text": [],
        "titles": {},
        "profession": profession,
        "profession_label": PROFESSIONS[profession][0],
        "profession_aliases": PROFESSIONS[profession][1],
        "specialty": specialty,
        "specialty_label": specialty_label,
        "specialty_aliases": specialty_aliases,
        "employer": employer,
        "employer_name": fields.pop("employer_name", employer.replace("-", " ").title() + " Hospital"),
        "site_name": "Main campus",
        "region": city["region"],
        "region_label": city["region_label"],
        "region_aliases": city["region_spellings"],
        "is_periphery": city["periphery"],
        "city": city_slug,
        "city_name": city["name"],
        "city_aliases": city["spellings"],
        "_geo": {"lat": lat, "lng": lon},
        "grant_programs": [slug for slug, _amount in grants],
        "grant_names": [slug.replace("-", " ").title() for slug, _amount in grants],
        "grant_max_ils": max((amount for _slug, amount in grants), default=None),
        "grant_fits": fields.pop("grant_fits", [slug for slug, _amount in grants]),
        "languages_required": ["en"],
        "hebrew_level_min": 3,
        "licence_requirements": ["israeli_licence"],
        "salary_min_ils": salary_min,
        "salary_max_ils": salary_max,
        "salary_top_ils": salary_max if salary_max is not None else salary_min,
        "employment_type": "full_time",
        "seniority": "specialist",
        "posted_at": NOW - 10 * DAY,
        "expires_at": NOW + 30 * DAY,
    }
    unknown = set(fields) - set(doc)
    assert not unknown, f"not a document field: {unknown}"
    doc.update(fields)
    return doc
