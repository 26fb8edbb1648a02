"""The embedded search engine, built on Tantivy, realising the contract in ``port.py`` with
Meilisearch's defaults as the reference (see ``research/search.md`` section b)."""

from jobboard.search.embedded.distances import CityPoint
from jobboard.search.embedded.engine import EmbeddedEngine

__all__ = ["CityPoint", "EmbeddedEngine"]
