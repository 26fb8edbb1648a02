"""The vocabulary cities whose distance every document stores, and the distance between two
points."""

from __future__ import annotations

import math
from dataclasses import dataclass

from jobboard.search.port import InvalidQuery, Near


@dataclass(frozen=True)
class CityPoint:
    """A vocabulary city. Instead of search.md's ``near`` tokens, every document stores its distance
    in metres to each vocabulary city (a few dozen integer fast fields, named by ``field``). A
    radius is then an exact range query, counted by the facet aggregation, and a distance sort is
    a native field sort. Free points are not needed (the page offers "within N km of a city");
    changing the city vocabulary needs a reindex."""

    slug: str
    lat: float
    lon: float

    @property
    def field(self) -> str:
        return "dist_" + self.slug.replace("-", "_")


def city_point(cities: dict[str, CityPoint], near: Near) -> CityPoint:
    city = cities.get(near.city)
    if city is None:
        raise InvalidQuery(f"unknown city {near.city}")
    return city


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return int(round(2 * 6_371_008.8 * math.asin(math.sqrt(a))))
