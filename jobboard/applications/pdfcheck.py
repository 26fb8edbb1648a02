"""Inspects an uploaded PDF in a separate, limited process: ``python -m
jobboard.applications.pdfcheck`` reads the file on standard input and prints one JSON line,
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
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and any(key in obj for key in ACTIVE_KEYS):
                return _refuse("active_content")
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") in (pikepdf.Name.JavaScript, pikepdf.Name.Launch):
                return _refuse("active_content")
        return {"ok": True, "pages": pages}


def main() -> None:
    memory = 512 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (10, 10))
    print(json.dumps(inspect(sys.stdin.buffer.read())))


if __name__ == "__main__":
    main()
