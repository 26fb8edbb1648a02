"""A reindex reads the listed postings as plain rows (``search.stream``); the documents it makes
must be the ones the ORM's postings make, in every part: texts in other languages, grant
programs and languages in their order, the vocabulary's names and spellings."""

from __future__ import annotations

from datetime import timedelta

from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.jobs.models import PostingStatus, PostingTranslation
from jobboard.jobs.queries import postings_with_details
from jobboard.search.documents import posting_document
from jobboard.search.stream import listed_postings
from jobboard.vocab.models import Language
from tests.factories import GrantProgramFactory, PostingFactory


def _published(**fields):
    now = utcnow()
    return PostingFactory(
        status=PostingStatus.PUBLISHED,
        first_published_at=now - timedelta(days=2),
        approved_at=now - timedelta(days=2),
        expires_at=now + timedelta(days=30),
        **fields,
    )


def test_the_streamed_documents_equal_the_documents_of_the_orms_postings(db_session):
    rich = _published(
        title="Senior pediatrician, neonatal unit",
        description_md="## The unit\n\n- Nights **on call**\n- Teaching\n\nSee [our site](https://example.org).",
        salary_min_ils=42_000,
        salary_max_ils=None,
        grants=[GrantProgramFactory(name="Zeta relocation grant"), GrantProgramFactory(name="Alpha Negev grant")],
        languages=[db.session.get(Language, "ru"), db.session.get(Language, "en")],
    )
    rich.translations = [
        PostingTranslation(language="ru", title="Педиатр", description_md="Мы ищем **педиатра**."),
        PostingTranslation(language="fr", title="Pédiatre", description_md="Nous cherchons un pédiatre."),
    ]
    plain = _published(specialty_slug=None, profession_slug="nurse", title="Nurse, intensive care")
    _draft = PostingFactory()
    db_session.flush()
    db_session.expire_all()

    streamed = {p.id: posting_document(p) for batch in listed_postings(batch_size=1) for p in batch}

    assert set(streamed) == {rich.id, plain.id}  # the draft is not listed
    for posting in postings_with_details([rich.id, plain.id]):
        assert streamed[posting.id] == posting_document(posting)
    document = streamed[rich.id]
    assert document["grant_names"] == ["Alpha Negev grant", "Zeta relocation grant"]
    assert document["languages_required"] == ["en", "ru"]
    assert document["titles"] == {"fr": "Pédiatre", "ru": "Педиатр"}
    assert document["translations_text"][:2] == ["Pédiatre", "Nous cherchons un pédiatre."]
    assert document["specialty_aliases"] and document["city_aliases"] and document["profession_aliases"]
