"""Employers (the tenants): organisations, their staff and roles, invitations and sites."""

from flask import Flask

from jobboard.core.storage import register_references
from jobboard.orgs import logos, personal_data


def init_app(app: Flask) -> None:
    personal_data.register(app)
    register_references(app, logos.stored_names)
