"""The compiled catalogues (.mo) that Flask-Babel reads, made from the translations (.po) beside
them whenever a translation is newer: by ``make`` for the app and by the test suite for itself."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    compiled = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as file:
            catalogue = read_po(file, locale=po.parent.parent.name)
        partial = po.with_suffix(".mo.partial")
        with partial.open("wb") as file:
            write_mo(file, catalogue)
        partial.replace(mo)  # whole or not at all, for a server reading it meanwhile
        compiled.append(mo)
    return compiled


if __name__ == "__main__":
    for path in compile_catalogues():
        print(f"compiled {path}")
