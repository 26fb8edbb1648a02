"""The forms a sentence gives a vocabulary term in Russian and Hebrew (the contract suite checks
that the engines find postings by them)."""

from __future__ import annotations

import pytest

from jobboard.vocab.spellings import gendered_forms, hebrew_forms, russian_forms, spellings


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("Педиатрия", {"Педиатрии", "Педиатрию", "Педиатрией"}),
        ("Беэр-Шева", {"Беэр-Шевы", "Беэр-Шеве", "Беэр-Шеву", "Беэр-Шевой"}),  # the last part declines
        ("Тель-Авив", {"Тель-Авива", "Тель-Авиве", "Тель-Авивом"}),
        ("Семейная медицина", {"Семейной медицины", "Семейную медицину", "медицины"}),
        ("Внутренние болезни", {"Внутренних болезней", "Внутренними болезнями"}),
        ("Медицинский лаборант", {"Медицинского лаборанта", "Медицинским лаборантом"}),
    ],
)
def test_a_russian_name_is_declined_as_a_whole(name, forms):
    declined = russian_forms(name)
    assert declined[0] == name
    assert forms <= set(declined)


def test_a_profession_also_takes_its_plural_and_a_borrowed_name_does_not_decline():
    assert {"Врачи", "Врачей", "Врача"} <= set(russian_forms("Врач", plural=True))
    assert "Врачи" not in russian_forms("Врач")
    assert russian_forms("Акко") == ["Акко"]


def test_a_hebrew_name_takes_the_prefix_letters_and_an_article_gives_way_to_them():
    assert {"בבאר שבע", "מבאר שבע", "לבאר שבע", "ובבאר שבע", "שבבאר שבע"} <= set(hebrew_forms("באר שבע"))
    negev = set(hebrew_forms("הנגב"))
    assert {"בנגב", "לנגב", "מהנגב", "והנגב", "נגב"} <= negev
    assert "בהנגב" in negev  # written too, if less often


def test_spellings_hold_every_language_and_alias_but_not_the_english_name():
    written = spellings("Pediatrics", ("רפואת ילדים", "Pédiatrie", "Педиатрия"), ("Paediatrics",))
    assert "Pediatrics" not in written
    assert {"Pédiatrie", "Paediatrics", "Педиатрии", "ברפואת ילדים"} <= set(written)


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("אח/ות", ["אח", "אחות"]),
        ("רופא/ת שיניים", ["רופא שיניים", "רופאת שיניים"]),
        ("Médico/a", ["Médico", "Médica"]),
        ("Infirmier / Infirmière", ["Infirmier / Infirmière"]),  # both written out already
    ],
)
def test_a_name_written_for_both_genders_is_spelled_in_each(name, forms):
    assert gendered_forms(name) == forms


def test_each_gender_takes_the_prefix_letters():
    assert {"אח", "אחות", "לאחות", "והאח"} <= set(spellings("Nurse", ("אח/ות",), ()))
