"""Page-or-fragment rendering for htmx.

A request sent by htmx (``HX-Request``) that is not a history restore gets only the named block
of the page template (jinja2-fragments); every other request gets the whole page, so a pushed
URL always renders on reload. Such responses vary on ``HX-Request``.
"""

from __future__ import annotations

from typing import Any

import jinja2_fragments
from flask import current_app, make_response, render_template, request
from flask.wrappers import Response
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def render_page(template: str, *, block: str | None = None, status: int = 200, plain_block: bool = False,
                **context: Any) -> Response:
    """With ``plain_block``, the block uses nothing the context processors add (the user, the
    navigation, ``request``) and is rendered from ``context`` alone, without running them."""
    if block is not None and is_htmx():
        if plain_block:
            body = jinja2_fragments.render_block(current_app.jinja_env, template, block, **context)
        else:
            body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
