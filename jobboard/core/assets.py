"""Static files as browsers should get them: under names that carry a fingerprint of their content
("css/app.3f2a9c1b7d.css"), cached for a year as immutable, and compressed (Brotli or gzip, as the
browser accepts) by WhiteNoise in front of the app.

``build`` copies each static file once under its fingerprinted name, with its compressed
variants beside it, into a folder of the instance (an installed package's own folder may not be
writable); a file is only written when its content is new, so every process of a deployment
shares the work, and a changed file gets a new name rather than a stale cache. ``url_for("static")``
gives the fingerprinted name (``JobBoard.url_for``); a file the build does not know (added while
the app runs) is still served by Flask under its plain name, with a short cache.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

YEAR_SECONDS = 365 * 24 * 3600
FINGERPRINT_LENGTH = 10
# Source maps are left to Flask under their plain names (a stylesheet names its map in its last
# line): only a browser's developer tools fetch them.
LEFT_OUT = (".map",)


def fingerprinted(name: str, content: bytes) -> str:
    stem, dot, extension = name.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:FINGERPRINT_LENGTH]
    return f"{stem}.{digest}.{extension}" if dot else f"{name}.{digest}"


def _write_once(target: Path, content: bytes, compressor: Compressor) -> None:
    """``target`` with ``content`` and its compressed variants, unless written already; written
    under a temporary name first, so another process never serves half a file."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{uuid.uuid4().hex}{target.suffix}")
    temporary.write_bytes(content)
    if compressor.should_compress(target.name):
        for variant in compressor.compress(str(temporary)):
            os.replace(variant, str(target) + variant.removeprefix(str(temporary)))
    os.replace(temporary, target)


def build(source: Path, target: Path) -> dict[str, str]:
    """Every file under ``source`` copied to ``target`` under its fingerprinted name; the manifest
    of plain names to fingerprinted ones (both relative, with forward slashes)."""
    compressor = Compressor(quiet=True)
    manifest = {}
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(LEFT_OUT):
            continue
        name = path.relative_to(source).as_posix()
        content = path.read_bytes()
        manifest[name] = fingerprinted(name, content)
        _write_once(target / manifest[name], content, compressor)
    return manifest


# Built once per process and source folder: the files are named by their content, so an app made
# later in the same process (a test's) serves the same folder.
_built: dict[Path, tuple[Path, dict[str, str]]] = {}


def init_app(app: Flask) -> None:
    """Build the static files into the instance folder and serve them in front of the app."""
    assert app.static_folder is not None  # noqa: S101 - the app is created with one
    source = Path(app.static_folder)
    if source not in _built:
        target = Path(app.instance_path) / "static"
        _built[source] = (target, build(source, target))
    target, app.extensions["static_manifest"] = _built[source]
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=str(target),
        prefix="static/",
        max_age=YEAR_SECONDS,
        immutable_file_test=lambda _path, _url: True,  # every name it serves carries its fingerprint
    )
