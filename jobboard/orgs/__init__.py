"""Employers (the tenants): organisations, their staff and roles, invitations and sites."""

from flask import Flask

from jobboard.orgs import personal_data


def init_app(app: Flask) -> None:
    personal_data.register(app)
