"""Cleaning text that people type, and text bound for mail headers."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f]")
CONTROL_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    # Strip first, then normalise: an invisible character between a letter and its combining
    # mark would otherwise leave the pair decomposed once it is removed.
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", value)).strip()


def strip_header_breaks(value: str) -> str:
    """Text bound for a mail header never carries a line break."""
    return re.sub(r"[\r\n]+", " ", value)
