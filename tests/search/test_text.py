"""Folding, the one analyzer of both engines; and highlighting: ASCII text is marked with one
pattern of the query's terms, other text (and any text when the terms are many) word by word; both
ways must mark the same words and crop the same window."""

from __future__ import annotations

from jobboard.search.text import (
    CROP_MARKER,
    CROP_WORDS,
    MAX_PATTERN_TERMS,
    Highlighter,
    ascii_html,
    lead_end,
    normalise,
    words,
)

ACCENTED = " Médecin"  # makes a text non-ASCII, so it takes the word-by-word way


def test_folding_drops_case_and_accents_and_spells_out_letters_without_a_decomposition():
    assert normalise("Médecin PÉDIATRE Me\u0301decin") == "medecin pediatre medecin"
    assert (
        normalise("Łódź ŁÓDŹ Straße STRAẞE Ørsted Æsculap Œuvre Đakovo Ðorđe")
        == "lodz lodz strasse strasse orsted aesculap oeuvre dakovo dorde"
    )
    assert normalise("Kırıkkale İzmir Þingvellir Garðabær Ħamrun Ŧ") == "kirikkale izmir thingvellir gardabaer hamrun t"


def test_folding_drops_niqqud_and_keeps_hebrew_and_cyrillic_letters():
    assert normalise("רוֹפֵא יְלָדִים בְּבֵאר שֶׁבַע") == "רופא ילדים בבאר שבע"
    assert normalise("Йошкар-Ола, ЁЛКА, и\u0306од, уда\u0301рение") == "йошкар-ола, ёлка, йод, ударение"


def test_folding_twice_changes_nothing():
    # Meilisearch is sent folded text and folded queries, which it normalises once more.
    for text in ("Łódź Straße Kırıkkale İzmir", "רוֹפֵא יְלָדִים", "Йошкар-Ола ёлка уда\u0301рение", "ﬁne ½ Ⅻ", "Ἀθῆναι"):
        assert normalise(normalise(text)) == normalise(text), text


def test_a_word_whose_fold_is_longer_or_shorter_is_marked_whole():
    text = "Die Straße – Hauptstraße, Strasse und Łódź"
    for query in ("strasse", "straße", "STRASSE"):
        marked = str(Highlighter(set(words(query)))(text))
        assert marked == "Die <mark>Straße</mark> – Hauptstraße, <mark>Strasse</mark> und Łódź", query
    assert "<mark>Łódź</mark>" in str(Highlighter({"lodz"})(text, crop=True))


def test_whole_words_are_marked_in_any_case_and_parts_of_words_are_not():
    marked = Highlighter({"pediatrics"})("Pediatrics_ward, pediatrics2 & PEDIATRICS <x>.")
    assert str(marked) == "<mark>Pediatrics</mark>_ward, pediatrics2 &amp; <mark>PEDIATRICS</mark> &lt;x&gt;."


def test_ascii_and_other_text_are_marked_alike():
    highlight = Highlighter({"pediatrics", "er", "medecin"})
    text = "ER_pediatrics: Pediatrics-er, superpediatrics 3er er3"
    assert str(highlight(text + ACCENTED)) == str(highlight(text)) + " <mark>Médecin</mark>"
    assert str(highlight(text)) == (
        "<mark>ER</mark>_<mark>pediatrics</mark>: <mark>Pediatrics</mark>-<mark>er</mark>, superpediatrics 3er er3"
    )


def test_a_crop_shows_a_window_from_a_little_before_the_first_match_in_either_way():
    words = [f"filler{n}" for n in range(100)]
    words[50] = words[60] = "Nephrology"
    text = " ".join(words)
    highlight = Highlighter({"nephrology"})
    ascii_crop = str(highlight(text, crop=True))
    assert ascii_crop.startswith("&hellip;filler42 ") and ascii_crop.endswith(" filler65&hellip;")
    assert ascii_crop.count("<mark>Nephrology</mark>") == 2
    assert len(ascii_crop.split()) == CROP_WORDS
    assert str(highlight(text + ACCENTED, crop=True)) == ascii_crop
    near_start = Highlighter({"filler2"})(text, crop=True)
    assert str(near_start).startswith("filler0 filler1 <mark>filler2</mark>")


def test_the_ascii_crop_takes_the_same_window_wherever_the_match_and_however_long_the_words():
    highlight = Highlighter({"nephrology"})
    for length in (3, 12, 40):
        for position in (0, 1, CROP_WORDS // 3, CROP_WORDS // 3 + 1, 30, 70):
            words = [f"w{n}".ljust(length, "x") for n in range(80)]
            words[position] = "Nephrology"
            text = "  ... " + " ".join(words)
            ascii_crop = str(highlight(text, crop=True))
            # A leading "·" makes the text non-ASCII without adding a word.
            assert str(highlight("· " + text, crop=True)) in (ascii_crop, "· " + ascii_crop), (length, position)


def test_without_a_match_a_crop_is_the_lead_and_a_short_text_is_kept_whole():
    text = " ".join(f"word{n}" for n in range(40))
    lead = " ".join(text.split()[:CROP_WORDS])
    assert lead_end(text) == len(lead)
    assert str(Highlighter({"absent"})(text, crop=True)) == lead + CROP_MARKER
    assert str(Highlighter({"absent"})(text, crop=True, lead_end_at=len(lead))) == lead + CROP_MARKER
    assert lead_end(text[: len(lead) + 1]) == len(lead) + 1  # no word after the lead: the text is kept whole
    assert str(Highlighter(set())("a <b>", crop=True)) == "a &lt;b&gt;"
    assert str(Highlighter({"word3"})("word3 ends", crop=True)) == "<mark>word3</mark> ends"


def test_a_prefix_standing_for_many_terms_is_marked_word_by_word_alike():
    many = {"pediatrics", *(f"p{n}x" for n in range(MAX_PATTERN_TERMS))}
    text = " ".join(f"filler{n}" for n in range(40)) + " Pediatrics p7x p7 <b>"
    for crop in (False, True):
        assert str(Highlighter(many)(text, crop=crop)) == str(Highlighter({"pediatrics", "p7x"})(text, crop=crop))
    assert "<mark>Pediatrics</mark> <mark>p7x</mark> p7 &lt;b&gt;" in str(Highlighter(many)(text))


def test_ascii_html_escapes_and_writes_other_characters_as_references():
    assert ascii_html("B1 – <b>Médecin</b> & co") == "B1 &#8211; &lt;b&gt;M&#233;decin&lt;/b&gt; &amp; co"
