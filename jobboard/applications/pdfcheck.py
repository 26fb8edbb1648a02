"""Rewrites an uploaded PDF to a clean copy, then inspects that copy, in a separate, limited
process: ``python pdfcheck.py`` (run as a script, importing nothing of the app) reads the file on
standard input and writes one JSON line to standard output, ``{"ok": true, "pages": n}`` followed
by the clean copy's bytes, or ``{"ok": false, "reason": "..."}`` alone. Standard output rather than
a temporary file: the parent collects it anyway, and a child killed at its limit leaves nothing
on disk.

Parsing untrusted PDFs is where libraries crash, loop or balloon; in a child process with a CPU
and memory limit and a timeout set by the parent, a hostile file costs a refusal, not the app.

The clean copy is rebuilt by allow-list (``disarm``): the catalogue keeps only the entries a
document needs to be read (no open action, document actions, forms or XFA, attachments, named
scripts), pages lose their actions, annotations stay only when passive (a comment, a highlight, a
link) and their action is a jump within the document or a web or mail address, rebuilt as a bare
action. What is dropped from the catalogue, a page or an annotation is also emptied in place, so
a second path to it (the structure tree, a popup's parent) leads nowhere; the trailer keeps only
its standard entries and the document information only its text. Saving writes only what the document still refers to,
with streams exactly as they came (nothing is decompressed or recompressed, so a compression
bomb stays packed and a clean copy cleans to the same bytes) and without object streams, so
every dictionary stays readable to a byte-level scanner. Text, fonts and images are untouched.

The copy is then opened again and walked by a block-list of active content (``inspect``), a
different view of the same question: what one misses the other refuses.
"""

from __future__ import annotations

import io
import json
import re
import resource
import sys

import pikepdf

MAX_PAGES = 100
CATALOG_KEYS = frozenset(
    {
        "/Type",
        "/Version",
        "/Extensions",
        "/Pages",
        "/PageLabels",
        "/Names",
        "/Dests",
        "/ViewerPreferences",
        "/PageLayout",
        "/PageMode",
        "/Outlines",
        "/Threads",
        "/Metadata",
        "/StructTreeRoot",
        "/MarkInfo",
        "/Lang",
        "/OutputIntents",
        "/OCProperties",
    }
)
NAME_TREES = frozenset({"/Dests"})
TRAILER_KEYS = frozenset({"/Root", "/Info", "/ID", "/Size"})
PASSIVE_ANNOTATIONS = frozenset(
    {
        "/Link",
        "/Text",
        "/FreeText",
        "/Line",
        "/Square",
        "/Circle",
        "/Polygon",
        "/PolyLine",
        "/Highlight",
        "/Underline",
        "/Squiggly",
        "/StrikeOut",
        "/Caret",
        "/Ink",
        "/Popup",
        "/Stamp",
    }
)
# Printable ASCII without spaces or backslashes (a URI in a PDF is 7-bit ASCII).
WEB_ADDRESS = re.compile(r"(?:https?://|mailto:)[!-\[\]-~]+", re.IGNORECASE)

ACTIVE_KEYS = ("/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/OpenAction", "/AA", "/RichMedia", "/XFA", "/EF")
ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/RichMediaExecute",
        "/GoTo3DView",
    }
)
ACTIVE_ANNOTATIONS = frozenset({"/FileAttachment", "/Widget", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D"})


def _refuse(reason: str) -> dict[str, object]:
    return {"ok": False, "reason": reason}


def clean(data: bytes) -> tuple[dict[str, object], bytes]:
    """The verdict on the clean copy, and the copy (empty when refused)."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return _refuse("encrypted"), b""
    except Exception:  # noqa: BLE001 - any parse failure means "not a readable PDF"
        return _refuse("unreadable"), b""
    with pdf:
        if pdf.is_encrypted:
            return _refuse("encrypted"), b""
        if len(pdf.pages) > MAX_PAGES:
            return _refuse("too_many_pages"), b""
        try:
            disarm(pdf)
            copy = io.BytesIO()
            pdf.save(
                copy,
                deterministic_id=True,
                compress_streams=False,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                object_stream_mode=pikepdf.ObjectStreamMode.disable,
            )
        except Exception:  # noqa: BLE001 - a structure too broken to rewrite is not a readable PDF
            return _refuse("unreadable"), b""
    verdict = inspect(copy.getvalue())
    return verdict, copy.getvalue() if verdict["ok"] else b""


def inspect(data: bytes) -> dict[str, object]:
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


# --- the clean copy (allow-list) -----------------------------------------------------------


def disarm(pdf: pikepdf.Pdf) -> None:
    _disarm_trailer(pdf.trailer)
    root = pdf.Root
    for key in set(root.keys()) - CATALOG_KEYS:
        _drop(root, key)
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in set(names.keys()) - NAME_TREES:
            _drop(names, key)
    for page in pdf.pages:
        _disarm_page(page.obj)
    _disarm_outlines(root)


def _disarm_trailer(trailer: pikepdf.Object) -> None:
    """Readers look only at the catalogue and the document information, whose entries are text."""
    for key in set(trailer.keys()) - TRAILER_KEYS:
        del trailer[key]
    info = trailer.get("/Info")
    if isinstance(info, pikepdf.Dictionary):
        for key, value in list(info.items()):
            if isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
                del info[key]


def _drop(holder: pikepdf.Object, key: str) -> None:
    value = holder.get(key)
    del holder[key]
    if isinstance(value, pikepdf.Dictionary):
        _empty(value)


def _empty(dictionary: pikepdf.Dictionary) -> None:
    """Only the dictionary itself: what it refers to may be shared (an annotation's page)."""
    for key in list(dictionary.keys()):
        del dictionary[key]


def _name(obj: pikepdf.Object | None) -> str | None:
    return str(obj) if isinstance(obj, pikepdf.Name) else None


def _disarm_page(page: pikepdf.Dictionary) -> None:
    for key in ("/AA", "/AF"):
        if key in page:
            _drop(page, key)
    annotations = page.get("/Annots")
    if annotations is None:
        return
    kept = pikepdf.Array()
    for annotation in annotations if isinstance(annotations, pikepdf.Array) else ():
        if _keep_annotation(annotation):
            kept.append(annotation)
        elif isinstance(annotation, pikepdf.Dictionary):
            _empty(annotation)
    del page["/Annots"]
    if kept:
        page["/Annots"] = kept


def _keep_annotation(annotation: pikepdf.Object) -> bool:
    """A passive kind whose every action is harmless stays, with its link rebuilt as a bare action
    and without event actions."""
    if not isinstance(annotation, pikepdf.Dictionary):
        return False
    if _name(annotation.get("/Subtype")) not in PASSIVE_ANNOTATIONS:
        return False
    events = annotation.get("/AA", pikepdf.Dictionary())
    actions = [annotation[key] for key in ("/A", "/PA") if key in annotation]
    actions += list(events.values()) if isinstance(events, pikepdf.Dictionary) else [events]
    if any(_bare_action(action) is None for action in actions):
        return False
    for key in ("/AA", "/PA"):
        if key in annotation:
            _drop(annotation, key)
    if "/A" in annotation:
        annotation["/A"] = _bare_action(annotation["/A"])
    return True


def _bare_action(action: pikepdf.Object) -> pikepdf.Dictionary | None:
    """A new action with only what a jump within the document, or to a web or mail address,
    needs; None for any other action (a chained ``/Next`` included)."""
    if not isinstance(action, pikepdf.Dictionary) or "/Next" in action:
        return None
    kind, uri = _name(action.get("/S")), action.get("/URI")
    if kind == "/GoTo" and "/D" in action:
        return pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=action["/D"])
    if kind == "/URI" and is_web_address(uri):
        return pikepdf.Dictionary(S=pikepdf.Name.URI, URI=uri)
    return None


def is_web_address(uri: pikepdf.Object | None) -> bool:
    """http, https or mailto; not javascript:, file:, data:, smb:, a share (\\\\host\\share) or a
    relative address."""
    return isinstance(uri, pikepdf.String) and WEB_ADDRESS.fullmatch(bytes(uri).decode("latin-1")) is not None


def _disarm_outlines(root: pikepdf.Object) -> None:
    """Bookmarks stay; an action other than a bare jump or web address is removed from them."""
    outlines = root.get("/Outlines")
    pending = [outlines.get("/First")] if isinstance(outlines, pikepdf.Dictionary) else []
    seen: set[tuple[int, int]] = set()
    while pending:
        item = pending.pop()
        if not isinstance(item, pikepdf.Dictionary) or item.objgen in seen:
            continue
        if item.is_indirect:
            seen.add(item.objgen)
        if "/A" in item:
            action = _bare_action(item["/A"])
            if action is None:
                _drop(item, "/A")
            else:
                item["/A"] = action
        pending += [item.get("/First"), item.get("/Next")]


# --- the inspection of the copy (block-list) -----------------------------------------------


def _is_active(dictionary: pikepdf.Dictionary) -> bool:
    kind = _name(dictionary.get("/S"))
    return (
        any(key in dictionary for key in ACTIVE_KEYS)
        or kind in ACTIVE_ACTIONS
        or (kind == "/URI" and not is_web_address(dictionary.get("/URI")))
        or ("/Rect" in dictionary and _name(dictionary.get("/Subtype")) in ACTIVE_ANNOTATIONS)
        or _name(dictionary.get("/Type")) == "/EmbeddedFile"
    )


def _has_active_content(pdf: pikepdf.Pdf) -> bool:
    """The trailer and every indirect object, and the direct dictionaries and arrays nested in
    them (an action is often a direct dictionary inside an annotation, e.g.
    ``/Annots [<< /A << /S /JavaScript >> >>]``)."""
    for top in [pdf.trailer, *pdf.objects]:
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
            pending.extend(
                child
                for child in children
                if isinstance(child, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and not child.is_indirect
            )
    return False


def main() -> None:
    memory = 512 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (10, 10))
    verdict, copy = clean(sys.stdin.buffer.read())
    sys.stdout.buffer.write(json.dumps(verdict).encode() + b"\n" + copy)


if __name__ == "__main__":
    main()
