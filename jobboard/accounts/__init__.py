"""Accounts: sign-up, e-mail confirmation, sign-in and sessions, password reset and change."""

from flask import Flask

from jobboard.accounts import personal_data
from jobboard.accounts.services import load_session_user
from jobboard.extensions import login_manager
from jobboard.i18n import lazy_gettext as _l


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.refresh_view = "accounts.login"
    # Lazy, and made a plain string in the reader's language when flashed (the session keeps it).
    login_manager.localize_callback = str
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = _l("Sign in again to confirm it is you.")
    login_manager.needs_refresh_message_category = "info"
    login_manager.user_loader(load_session_user)
    personal_data.register(app)
