"""Page-or-fragment rendering for htmx.

A request sent by htmx (``HX-Request``) that is not a history restore gets only the named block
of the page template (with jinja2-fragments, or here for a plain block); every other request
gets the whole page, so a pushed URL always renders on reload. Such responses vary on
``HX-Request``.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import current_app, make_response, render_template, request
from flask.wrappers import Response
from jinja2 import Template
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def render_page(
    template: str,
    *,
    block: str | None = None,
    status: int = 200,
    plain_block: bool = False,
    push_url: str | None = None,
    **context: Any,
) -> Response:
    """With ``plain_block``, the block uses nothing the context processors add (the user, the
    navigation, ``request``) and is rendered from ``context`` alone, without running them. With
    ``push_url``, a fragment tells htmx to put that address in the history instead of the
    request's (``HX-Push-Url``)."""
    fragment = block if block is not None and is_htmx() else None
    if fragment is not None:
        if plain_block:
            body = _render_plain_block(template, fragment, context)
        else:
            body = render_block(template, fragment, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    if fragment is not None and push_url is not None:
        response.headers["HX-Push-Url"] = push_url
    # A new response has no Vary header yet, so it is set outright: ``response.vary.add`` parses
    # the header and writes it back, at several times the cost.
    response.headers["Vary"] = "HX-Request"
    return response


@functools.lru_cache(maxsize=64)
def _flat_globals(template: Template) -> dict[str, Any]:
    return dict(template.globals)


def _render_plain_block(template_name: str, block: str, context: dict[str, Any]) -> str:
    """The block from ``context`` and the template's globals. Jinja merges the globals, a
    ChainMap, into every new context one key at a time, which cost more than the rest of setting
    up a render; here they are merged once per template."""
    environment = current_app.jinja_env
    template = environment.get_template(template_name)
    render = template.blocks[block]
    try:
        return environment.concat(render(template.new_context({**_flat_globals(template), **context}, shared=True)))
    except Exception:  # noqa: BLE001 - handed to Jinja, which re-raises it
        environment.handle_exception()  # re-raises, with the template's lines in the traceback
