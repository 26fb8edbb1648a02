"""The IMAP job board: Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(__file__).resolve().parent


def site_folder(name: str) -> Path:
    """``templates``, ``static`` or ``migrations``: inside the package once installed, beside it
    in a checkout."""
    carried = PACKAGE / name
    return carried if carried.is_dir() else ROOT / name


def _instance_path() -> str | None:
    """``JOBBOARD_INSTANCE_PATH``; else ``instance/`` in a checkout, Flask's own choice
    (``<prefix>/var/jobboard-instance``) for an installed package."""
    if os.environ.get("JOBBOARD_INSTANCE_PATH"):
        return os.environ["JOBBOARD_INSTANCE_PATH"]
    return str(ROOT / "instance") if (ROOT / "pyproject.toml").is_file() else None


class JobBoard(Flask):
    def url_for(self, /, endpoint: str, **values: Any) -> str:
        if endpoint != "static":
            return super().url_for(endpoint, **values)
        from jobboard.i18n import without_language

        # The fingerprinted name (``core.assets``), at one address whatever the page's language.
        filename = values.get("filename")
        values["filename"] = self.extensions.get("static_manifest", {}).get(filename, filename)
        return without_language(super().url_for(endpoint, **values))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = JobBoard(
        __name__,
        instance_path=_instance_path(),
        template_folder=str(site_folder("templates")),
        static_folder=str(site_folder("static")),
    )
    from jobboard.config import load_config

    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_request_handling(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from jobboard import accounts, alerts, api, applications, fairs, i18n, jobs, licensing, mail, orgs, search, webhooks
    from jobboard.core import assets, logs, outbox
    from jobboard.core.db import configure_sqlite
    from jobboard.extensions import csrf, db, limiter, migrate

    logs.init_app(app)  # first: its request id is set before any other hook may answer
    db.init_app(app)
    migrate.init_app(app, db, directory=str(site_folder("migrations")), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    outbox.init_app(app)
    accounts.init_app(app)
    orgs.init_app(app)
    mail.init_app(app)
    jobs.init_app(app)
    search.init_app(app)
    applications.init_app(app)
    fairs.init_app(app)
    alerts.init_app(app)
    api.init_app(app)
    webhooks.init_app(app)
    licensing.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    assets.init_app(app)  # after the language prefix: static files have one address
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_blueprints(app: Flask) -> None:
    from jobboard.core.web import IdConverter

    app.url_map.converters["int"] = IdConverter  # before the routes that use it are added
    from jobboard.accounts.views import bp as accounts_bp
    from jobboard.alerts.views import bp as alerts_bp
    from jobboard.applications.views import bp as applications_bp
    from jobboard.fairs.views import bp as fairs_bp
    from jobboard.grants.views import bp as grants_bp
    from jobboard.jobs.views import bp as jobs_bp
    from jobboard.licensing.views import bp as licensing_bp
    from jobboard.moderation.views import bp as moderation_bp
    from jobboard.orgs.views import bp as orgs_bp
    from jobboard.outcomes.views import bp as outcomes_bp
    from jobboard.pages.views import bp as pages_bp
    from jobboard.search.views import bp as search_bp
    from jobboard.webhooks.views import bp as webhooks_bp

    for blueprint in (
        pages_bp,
        accounts_bp,
        orgs_bp,
        jobs_bp,
        search_bp,
        applications_bp,
        fairs_bp,
        alerts_bp,
        grants_bp,
        licensing_bp,
        moderation_bp,
        outcomes_bp,
        webhooks_bp,
    ):
        app.register_blueprint(blueprint)
    from jobboard import api

    api.register(app)


def register_request_handling(app: Flask) -> None:
    from jobboard.core import web

    web.init_app(app)


def register_commands(app: Flask) -> None:
    from jobboard import cli

    cli.init_app(app)
