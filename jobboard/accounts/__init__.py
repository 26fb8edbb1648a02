"""Accounts: sign-up, e-mail confirmation, sign-in and sessions, password reset and change."""

from flask import Flask

from jobboard.accounts import personal_data
from jobboard.accounts.services import load_session_user
from jobboard.extensions import login_manager


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.refresh_view = "accounts.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = "Sign in again to confirm it is you."
    login_manager.needs_refresh_message_category = "info"
    login_manager.user_loader(load_session_user)
    personal_data.register(app)
