"""The API's reference page, read from its OpenAPI document: the operations by tag and the
schemas, as plain HTML (no script, so it keeps the site's strict Content-Security-Policy)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")
CODE_SPAN = re.compile(r"`([^`]+)`")


# A description as its pieces of text, each marked whether it is a `code span` (the template
# shows those as code, and escapes every piece).
Prose = list[tuple[str, bool]]


def prose(text: str) -> Prose:
    return [(part, index % 2 == 1) for index, part in enumerate(CODE_SPAN.split(text)) if part]


def resolved(document: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """``part`` itself, or what its ``$ref`` points to in the document (``#/components/...``)."""
    reference = part.get("$ref")
    if not isinstance(reference, str) or not reference.startswith("#/"):
        return part
    found: Any = document
    for key in reference[2:].split("/"):
        found = found.get(key, {}) if isinstance(found, dict) else {}
    return found if isinstance(found, dict) else {}


def type_of(schema: dict[str, Any]) -> str:
    """A schema in a few words: ``Posting``, ``array of integer``, ``string | null``, ``one of a, b``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_of(part) for part in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(value) for value in schema["enum"] if value is not None)
    kind = schema.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    named = []
    for one in kinds:
        if one == "array":
            named.append(f"array of {type_of(schema.get('items', {}))}")
        elif one == "string" and schema.get("format"):
            named.append(f"string ({schema['format']})")
        else:
            named.append(str(one))
    return " | ".join(named)


def limits_of(schema: dict[str, Any]) -> str:
    found = [
        f"{word} {schema[key]}"
        for key, word in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "length ≥"),
            ("maxLength", "length ≤"),
            ("maxItems", "items ≤"),
        )
        if key in schema
    ]
    if "default" in schema:
        found.append(f"default {json.dumps(schema['default'], ensure_ascii=False)}")
    return ", ".join(found)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: Prose
    limits: str
    where: str = ""


@dataclass(frozen=True)
class Answer:
    status: str
    description: Prose
    content: str


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: Prose
    scopes: list[str]
    parameters: list[Field]
    body: str | None
    answers: list[Answer]


@dataclass(frozen=True)
class Schema:
    name: str
    description: Prose
    fields: list[Field]


@dataclass(frozen=True)
class Reference:
    title: str
    version: str
    openapi: str
    tags: list[tuple[str, list[Operation]]]
    schemas: list[Schema]

    @classmethod
    def of(cls, document: dict[str, Any]) -> Reference:
        by_tag: dict[str, list[Operation]] = {}
        for path, item in document.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    operation = _operation(document, method, path, item[method], item.get("parameters", []))
                    for tag in item[method].get("tags", ["API"]):
                        by_tag.setdefault(tag, []).append(operation)
        schemas = [_schema(name, schema) for name, schema in document.get("components", {}).get("schemas", {}).items()]
        return cls(
            title=document["info"]["title"],
            version=document["info"]["version"],
            openapi=document["openapi"],
            tags=list(by_tag.items()),
            schemas=schemas,
        )


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(name, type_of(prop), name in required, prose(prop.get("description", "")), limits_of(prop))
        for name, prop in schema.get("properties", {}).items()
    ]


def _schema(name: str, schema: dict[str, Any]) -> Schema:
    return Schema(name, prose(schema.get("description", "")), _fields(schema))


def _contents(part: dict[str, Any]) -> str:
    return ", ".join(f"{kind}: {type_of(media.get('schema', {}))}" for kind, media in part.get("content", {}).items())


def _operation(
    document: dict[str, Any], method: str, path: str, spec: dict[str, Any], shared: list[dict[str, Any]]
) -> Operation:
    parameters = [
        Field(
            p["name"],
            type_of(p.get("schema", {})),
            bool(p.get("required")),
            prose(p.get("description", "")),
            limits_of(p.get("schema", {})),
            p["in"],
        )
        for p in (resolved(document, part) for part in [*shared, *spec.get("parameters", [])])
    ]
    body = None
    if "requestBody" in spec:
        body = _contents(resolved(document, spec["requestBody"]))
    answers = [
        Answer(status, prose(answer.get("description", "")), _contents(answer))
        for status, answer in sorted(
            (status, resolved(document, answer)) for status, answer in spec.get("responses", {}).items()
        )
    ]
    scopes = [scope for requirement in spec.get("security", []) for scopes in requirement.values() for scope in scopes]
    return Operation(
        anchor=spec.get("operationId") or f"{method}-{path}",
        method=method.upper(),
        path=path,
        summary=spec.get("summary", ""),
        description=prose(spec.get("description", "")),
        scopes=scopes,
        parameters=parameters,
        body=body,
        answers=answers,
    )
