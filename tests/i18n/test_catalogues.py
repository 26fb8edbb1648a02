"""The translation catalogues: in step with the code, complete in every language, and carrying
the same placeholders and markup as the English they translate."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from jobboard.i18n import DEFAULT, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "jobboard" / "translations"
TRANSLATED = [code for code in LANGUAGES if code != DEFAULT]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*(\w+)\s*\}\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


def catalogue(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def texts(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def translations(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def tags(text: str) -> list[str]:
    return sorted(TAG.findall(text))


def test_the_template_catalogue_is_in_step_with_the_code(tmp_path):
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_ngettext:1,2",
            "--no-location",
            "--ignore-dirs",
            ".* __pycache__",
            "-o",
            str(fresh),
            "jobboard",
            "templates",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    committed = {m.id for m in catalogue(TRANSLATIONS / "messages.pot") if m.id}
    extracted = {m.id for m in catalogue(fresh) if m.id}
    assert extracted - committed == set(), "new strings: run `make translations` and translate them"
    assert committed - extracted == set(), "strings no longer in the code: run `make translations`"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    template = {m.id for m in catalogue(TRANSLATIONS / "messages.pot") if m.id}
    translated = catalogue(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po")
    assert {m.id for m in translated if m.id} == template
    untranslated = [m.id for m in translated if m.id and not all(s.strip() for s in translations(m))]
    fuzzy = [m.id for m in translated if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders_and_the_markup(code):
    problems = []
    for message in catalogue(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"):
        if not message.id:
            continue
        source = texts(message)
        for translation in translations(message):
            # A plural form may leave the number out ("one day" for 1), never add a name.
            wanted = placeholders(source[-1])
            got = placeholders(translation)
            if not got <= wanted or (len(source) == 1 and got != wanted):
                problems.append(f"placeholders {sorted(got)} != {sorted(wanted)}: {message.id!r}")
            if tags(translation) != tags(source[-1]):
                problems.append(f"markup differs: {message.id!r} -> {translation!r}")
    assert problems == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_follow_the_language(code):
    translated = catalogue(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po")
    expected = {"he": 3, "ru": 3, "fr": 3, "es": 3}[code]  # Babel's CLDR rules for each
    assert translated.num_plurals == expected
    for message in translated:
        if message.pluralizable:
            assert len(translations(message)) == expected, message.id
