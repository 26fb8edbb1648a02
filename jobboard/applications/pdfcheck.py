"""Inspects an uploaded PDF in a separate, limited process: ``python pdfcheck.py`` (run as a
script, importing nothing of the app) reads the file on standard input and prints one JSON line,
``{"ok": true, "pages": n}`` or ``{"ok": false, "reason": "..."}``.

Parsing untrusted PDFs is where libraries crash, loop or balloon; in a child process with a CPU
and memory limit and a timeout set by the parent, a hostile file costs a refusal, not the app.
"""

from __future__ import annotations

import io
import json
import resource
import sys

MAX_PAGES = 100
ACTIVE_KEYS = ("/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/OpenAction", "/AA", "/RichMedia")


def _refuse(reason: str) -> dict[str, object]:
    return {"ok": False, "reason": reason}


def inspect(data: bytes) -> dict[str, object]:
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return _refuse("encrypted")
    except Exception:  # noqa: BLE001 - any parse failure means "not a readable PDF"
        return _refuse("unreadable")
    with pdf:
        if pdf.is_encrypted:
            return _refuse("encrypted")
        pages = len(pdf.pages)
        if pages == 0:
            return _refuse("unreadable")
        if pages > MAX_PAGES:
            return _refuse("too_many_pages")
        if _has_active_content(pdf):
            return _refuse("active_content")
        return {"ok": True, "pages": pages}


def _is_active(dictionary: object) -> bool:
    import pikepdf

    return any(key in dictionary for key in ACTIVE_KEYS) or dictionary.get("/S") in (  # type: ignore[attr-defined,operator]
        pikepdf.Name.JavaScript, pikepdf.Name.Launch)


def _has_active_content(pdf: object) -> bool:
    """Every indirect object, and the direct dictionaries and arrays nested in it (an action is
    often a direct dictionary inside an annotation, e.g. ``/Annots [<< /A << /S /JavaScript >> >>]``)."""
    import pikepdf

    for top in pdf.objects:  # type: ignore[attr-defined]
        pending = [top]
        while pending:
            obj = pending.pop()
            if isinstance(obj, pikepdf.Stream):
                obj = obj.stream_dict
            if isinstance(obj, pikepdf.Dictionary):
                if _is_active(obj):
                    return True
                children = list(obj.values())
            elif isinstance(obj, pikepdf.Array):
                children = list(obj)
            else:
                continue
            # Indirect children are visited as top-level objects of their own.
            pending.extend(child for child in children
                           if isinstance(child, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))
                           and not child.is_indirect)
    return False


def main() -> None:
    memory = 512 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (10, 10))
    print(json.dumps(inspect(sys.stdin.buffer.read())))


if __name__ == "__main__":
    main()
