"""Controlled vocabularies: regions (with the periphery flag), cities with coordinates and the
spellings people use for them, professions, specialties and languages. Loaded from
``data.json`` by ``flask jobboard seed-vocab`` (and by ``seed-demo``)."""
