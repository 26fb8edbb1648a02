"""A posting's text in one of the board's languages, and its versions in others: the service's
rules, the posting form, review and merging of an edit that adds a version, duplication, and the
public page in each reader's language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobboard.core import outbox
from jobboard.core.errors import DomainError
from jobboard.jobs import queries, reviewing, services
from jobboard.jobs.lifecycle import SEARCH_SYNC
from jobboard.jobs.models import Posting, PostingStatus, PostingText, PostingTranslation, PostingVersion
from tests.jobs.helpers import HTML_NS, content, count, create, form_data, parse, published, text_of
from tests.signing_in import sign_in

S = PostingStatus
HEBREW = PostingText("he", "רופא/ה בכיר/ה, מחלקת ילדים", "אנו מחפשים **רופא/ת ילדים** למחלקה בנגב.")
FRENCH = PostingText("fr", "Pédiatre senior, service de pédiatrie", "Nous cherchons un **pédiatre** au Néguev.")


def versions_of(posting: Posting) -> dict[str, tuple[str, str]]:
    return {t.language: (t.title, t.description_md) for t in posting.translations}


def version_fields(text: PostingText) -> dict[str, str]:
    """What the posting form sends for a version."""
    return {
        f"translations-{text.language}-title": text.title,
        f"translations-{text.language}-description_md": text.description_md,
    }


# --- the service's rules ---------------------------------------------------------------------------


def test_a_posting_is_written_in_english_unless_the_employer_says_otherwise(world, db_session):
    posting = create(world)
    assert posting.text_language == "en" and posting.translations == []
    hebrew_text = create(world, text_language="he", title="רופא/ה", translations=[])
    assert hebrew_text.original_text.direction == "rtl"


def test_versions_are_stored_and_each_reader_gets_theirs_or_the_text_as_written(world, db_session):
    posting = create(world, translations=[HEBREW, FRENCH])
    db_session.commit()
    db_session.expire_all()
    posting = db_session.get(Posting, posting.id)
    assert versions_of(posting) == {
        "fr": (FRENCH.title, FRENCH.description_md),
        "he": (HEBREW.title, HEBREW.description_md),
    }
    assert posting.text_in("he") == HEBREW and posting.text_in("fr") == FRENCH
    assert posting.text_in("ru") == posting.text_in("en") == posting.original_text
    assert [text.language for text in posting.texts] == ["en", "he", "fr"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"translations": [PostingText("de", "Kinderarzt", "Beschreibung")]},
            "translations.de.title",
            "Versions can be written in the board's languages only: English, עברית, Français, Español, Русский.",
        ),
        (
            {"translations": [PostingText("en", "Pediatrician", "A second English text.")]},
            "translations.en.title",
            "The text is written in English already.",
        ),
        (
            {"text_language": "he", "translations": [HEBREW]},
            "translations.he.title",
            "The text is written in עברית already.",
        ),
        ({"translations": [HEBREW, HEBREW]}, "translations.he.title", "There is a version in עברית already."),
        ({"text_language": "de"}, "text_language", "Choose the language of the text from the list."),
        ({"text_language": ""}, "text_language", "Choose the language of the text from the list."),
        ({"translations": [PostingText("fr", " ", "Texte")]}, "translations.fr.title", "a title of at most 160"),
        ({"translations": [PostingText("fr", "x" * 161, "Texte")]}, "translations.fr.title", "a title of at most 160"),
        ({"translations": [PostingText("fr", "Titre", "")]}, "translations.fr.description_md", "at most 20,000"),
        (
            {"translations": [PostingText("fr", "Titre", "x" * 20_001)]},
            "translations.fr.description_md",
            "at most 20,000",
        ),
    ],
    ids=[
        "unknown language",
        "the text's language",
        "the text's language (he)",
        "twice",
        "text in de",
        "no text language",
        "blank title",
        "long title",
        "no description",
        "long description",
    ],
)
def test_versions_the_board_cannot_show_are_refused_on_their_field(world, db_session, overrides, field, message):
    with pytest.raises(DomainError) as refused:
        create(world, **overrides)
    assert refused.value.field == field and message in refused.value.message
    assert count(Posting) == 0 and count(PostingTranslation) == 0


def test_an_edit_changes_adds_and_removes_versions(world, db_session):
    posting = create(world, translations=[HEBREW, FRENCH])
    db_session.commit()
    changed_hebrew = PostingText("he", "מנהל/ת מחלקת ילדים", HEBREW.description_md)
    russian = PostingText("ru", "Педиатр", "Ищем **педиатра** в Негев.")
    services.update_posting(posting, world.recruiter, content(world.site, translations=[changed_hebrew, russian]))
    db_session.commit()
    db_session.expire_all()
    assert versions_of(db_session.get(Posting, posting.id)) == {
        "he": (changed_hebrew.title, HEBREW.description_md),
        "ru": (russian.title, russian.description_md),
    }
    # The text may change language, once no version is in its new one.
    services.update_posting(posting, world.recruiter, content(world.site, text_language="fr", translations=[russian]))
    db_session.commit()
    db_session.expire_all()
    posting = db_session.get(Posting, posting.id)
    assert posting.text_language == "fr" and list(versions_of(posting)) == ["ru"]


def test_a_version_added_to_a_published_posting_is_reviewed_then_merged_and_indexed(world, db_session):
    live = published(world)
    db_session.commit()
    outbox.drain()
    revision = services.update_posting(live, world.recruiter, content(world.site, translations=[HEBREW]))
    db_session.commit()
    assert revision is not live and revision.status == S.PENDING_REVIEW
    assert live.translations == [] and versions_of(revision) == {"he": (HEBREW.title, HEBREW.description_md)}
    syncs_before = count(outbox.OutboxMessage, outbox.OutboxMessage.kind == SEARCH_SYNC)

    reviewing.approve(revision, world.admin)
    db_session.commit()
    db_session.expire_all()
    live = db_session.get(Posting, live.id)
    assert revision.status == S.MERGED and versions_of(live) == {"he": (HEBREW.title, HEBREW.description_md)}
    assert count(outbox.OutboxMessage, outbox.OutboxMessage.kind == SEARCH_SYNC) == syncs_before + 1
    approved = db_session.scalars(
        select(PostingVersion).where(PostingVersion.posting_id == live.id).order_by(PostingVersion.id.desc())
    ).first()
    assert approved.content["Language of the text"] == "English"
    assert approved.content["Title (he)"] == HEBREW.title
    assert approved.content["Description (he)"] == HEBREW.description_md

    # Removing the version is an edit to review too; merged, the live posting has none left.
    removal = services.update_posting(live, world.recruiter, content(world.site))
    assert removal is not live and removal.is_pending_review
    reviewing.approve(removal, world.admin)
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(Posting, live.id).translations == []
    assert count(PostingTranslation, PostingTranslation.posting_id == live.id) == 0


def test_duplicating_copies_the_versions(world, db_session):
    source = published(world, text_language="fr", title=FRENCH.title, translations=[HEBREW])
    copy = services.duplicate_posting(source, world.recruiter)
    db_session.commit()
    db_session.expire_all()
    copy = db_session.get(Posting, copy.id)
    assert copy.id != source.id and copy.text_language == "fr"
    assert versions_of(copy) == {"he": (HEBREW.title, HEBREW.description_md)}
    assert count(PostingTranslation, PostingTranslation.posting_id == source.id) == 1


# --- the posting form -------------------------------------------------------------------------------


def test_the_form_creates_a_posting_with_a_hebrew_version(client, world, db_session):
    sign_in(client, world.recruiter)
    page = client.get(f"/org/{world.org.slug}/postings/new")
    text = text_of(page)
    assert "Language of this text" in text and "Versions in other languages" in text
    summaries = {el.get("lang"): "".join(el.itertext()) for el in parse(page).iter(f"{HTML_NS}summary")}
    assert summaries == {"en": "English", "he": "עברית", "fr": "Français", "es": "Español", "ru": "Русский"}

    response = client.post(f"/org/{world.org.slug}/postings/new", data=form_data(world.site) | version_fields(HEBREW))
    assert response.status_code == 302
    posting = db_session.scalars(select(Posting)).one()
    assert posting.text_language == "en"
    assert versions_of(posting) == {"he": (HEBREW.title, HEBREW.description_md)}


def test_the_edit_form_shows_changes_and_removes_versions(client, world, db_session):
    posting = create(world, translations=[HEBREW, FRENCH])
    db_session.commit()
    sign_in(client, world.recruiter)
    url = f"/org/{world.org.slug}/postings/{posting.id}/edit"
    document = parse(client.get(url))
    fields = {el.get("name"): el for el in document.iter(f"{HTML_NS}input")}
    assert fields["translations-he-title"].get("value") == HEBREW.title
    assert fields["translations-he-title"].get("lang") == "he"
    labels = {el.get("for"): "".join(el.itertext()) for el in document.iter(f"{HTML_NS}label")}
    assert labels["title"] == "Title"  # every field's label tells it apart from the others
    assert labels["translations-he-title"] == "Title (עברית)"
    assert labels["translations-fr-description_md"] == "Description (Français)"
    opened = [
        el.get("data-version-language") for el in document.iter(f"{HTML_NS}details") if el.get("open") is not None
    ]
    assert opened == ["he", "fr"]

    data = form_data(world.site) | version_fields(PostingText("he", "מנהל/ת מחלקה", HEBREW.description_md))
    data |= {"translations-fr-title": "", "translations-fr-description_md": ""}
    assert client.post(url, data=data).status_code == 302
    db_session.expire_all()
    assert versions_of(db_session.get(Posting, posting.id)) == {"he": ("מנהל/ת מחלקה", HEBREW.description_md)}


def _error_of(response, field_id: str) -> str:
    [error] = [el for el in parse(response).iter(f"{HTML_NS}div") if el.get("id") == f"{field_id}-error"]
    return " ".join("".join(error.itertext()).split())


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        (
            {"translations-fr-title": "Pédiatre", "translations-fr-description_md": ""},
            "translations-fr-description_md",
            "A version needs both a title and a description",
        ),
        (
            {"translations-fr-title": "", "translations-fr-description_md": "Texte"},
            "translations-fr-title",
            "A version needs both a title and a description",
        ),
        (
            {"text_language": "he"} | version_fields(HEBREW),
            "translations-he-title",
            "The text is written in עברית already.",
        ),
        ({"translations-ru-title": "x" * 161, "translations-ru-description_md": "Текст"}, "translations-ru-title", ""),
        (
            {"translations-ru-title": "Педиатр", "translations-ru-description_md": "a\x00b"},
            "translations-ru-description_md",
            "Remove the control characters",
        ),
        ({"text_language": "de"}, "text_language", "Not a valid choice"),
    ],
    ids=["no description", "no title", "the text's language", "long title", "control character", "language"],
)
def test_the_form_refuses_a_version_next_to_its_field(client, world, db_session, data, field_id, message):
    sign_in(client, world.recruiter)
    response = client.post(f"/org/{world.org.slug}/postings/new", data=form_data(world.site) | data)
    assert response.status_code == 422
    assert message in _error_of(response, field_id)
    assert count(Posting) == 0


def test_a_version_added_through_the_form_to_a_published_posting_goes_to_review(client, world, db_session):
    live = published(world)
    db_session.commit()
    sign_in(client, world.recruiter)
    response = client.post(
        f"/org/{world.org.slug}/postings/{live.id}/edit",
        data=form_data(world.site, title=live.title, description_md=live.description_md) | version_fields(HEBREW),
    )
    assert response.status_code == 302
    db_session.expire_all()
    revision = queries.open_revision(live)
    assert revision.is_pending_review and list(versions_of(revision)) == ["he"] and live.translations == []


# --- the moderator ----------------------------------------------------------------------------------


def test_the_review_page_shows_an_added_version_in_the_diff_and_the_posting(client, world, db_session):
    live = published(world, translations=[FRENCH])
    revision = services.update_posting(live, world.recruiter, content(world.site, translations=[HEBREW]))
    db_session.commit()
    sign_in(client, world.admin)
    response = client.get(f"/admin/postings/{revision.id}")
    document = parse(response)
    headings = [" ".join("".join(el.itertext()).split()) for el in document.iter(f"{HTML_NS}strong")]
    assert "Title (עברית)" in headings and "Description (עברית)" in headings
    # The French version, removed, is a change too.
    assert "Title (Français)" in headings
    deleted = ["".join(el.itertext()) for el in document.iter(f"{HTML_NS}del")]
    inserted = ["".join(el.itertext()) for el in document.iter(f"{HTML_NS}ins")]
    assert FRENCH.title in deleted and HEBREW.title in inserted
    [version] = [
        el for el in document.iter(f"{HTML_NS}div") if el.get("lang") == "he" and "card-body" in el.get("class", "")
    ]
    assert version.get("dir") == "rtl" and HEBREW.title in "".join(version.itertext())

    assert client.post(f"/admin/postings/{revision.id}/approve").status_code == 302
    db_session.expire_all()
    assert list(versions_of(db_session.get(Posting, live.id))) == ["he"]


# --- the public page --------------------------------------------------------------------------------


def _shown(response) -> tuple[dict, dict]:
    """The page's heading and description elements."""
    document = parse(response)
    [heading] = document.iter(f"{HTML_NS}h1")
    [description] = [el for el in document.iter(f"{HTML_NS}section") if "posting-description" in el.get("class", "")]
    return heading, description


def test_a_hebrew_reader_sees_the_hebrew_version_right_to_left(client, world, db_session):
    posting = published(world, translations=[HEBREW])
    db_session.commit()
    response = client.get(f"/he/jobs/{posting.id}-{posting.slug}")
    assert response.status_code == 200
    heading, description = _shown(response)
    assert (heading.get("lang"), heading.get("dir"), "".join(heading.itertext())) == ("he", "rtl", HEBREW.title)
    assert (description.get("lang"), description.get("dir")) == ("he", "rtl")
    assert "רופא/ת ילדים" in "".join(description.itertext())
    [title] = parse(response).iter(f"{HTML_NS}title")
    assert title.text.startswith(HEBREW.title)
    assert "We are looking for" not in "".join(description.itertext())
    links = [el for el in parse(response).iter(f"{HTML_NS}a") if el.get("hreflang")]
    assert [(el.get("hreflang"), "".join(el.itertext())) for el in links] == [("en", "English")]
    assert links[0].get("href").endswith(f"/en/jobs/{posting.id}-{posting.slug}")


def test_a_reader_without_a_version_in_their_language_sees_the_text_as_written(client, world, db_session):
    posting = published(world, translations=[HEBREW])
    db_session.commit()
    response = client.get(f"/fr/jobs/{posting.id}-{posting.slug}")
    assert response.status_code == 200
    heading, description = _shown(response)
    assert (heading.get("lang"), heading.get("dir"), "".join(heading.itertext())) == ("en", "ltr", posting.title)
    assert (description.get("lang"), description.get("dir")) == ("en", "ltr")
    links = {el.get("hreflang"): el for el in parse(response).iter(f"{HTML_NS}a") if el.get("hreflang")}
    assert list(links) == ["he"] and "".join(links["he"].itertext()) == "עברית"
    assert links["he"].get("href").endswith(f"/he/jobs/{posting.id}-{posting.slug}")


def test_a_posting_without_versions_names_no_other_language(client, world, db_session):
    posting = published(world)
    db_session.commit()
    response = client.get(f"/he/jobs/{posting.id}-{posting.slug}")
    heading, description = _shown(response)
    assert (heading.get("lang"), description.get("dir")) == ("en", "ltr")
    assert not [el for el in parse(response).iter(f"{HTML_NS}a") if el.get("hreflang")]
