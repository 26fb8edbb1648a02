"""Settings: README in step with SETTINGS, database URL normalisation, parse errors, environments."""

from __future__ import annotations

import re
import stat
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from jobboard import ROOT
from jobboard.config import SETTINGS, load_config

# Read by create_app itself (it decides where the instance folder is, before any setting is read).
DOCUMENTED_OUTSIDE_SETTINGS = {"JOBBOARD_INSTANCE_PATH"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The settings come from the environment: start every test from none of them set."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)


@pytest.fixture
def bare_app(tmp_path) -> Flask:
    return Flask("config_test", instance_path=str(tmp_path / "instance"))


def readme_settings() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*`([A-Z0-9_]+)`\s*\|\s*([^|]*)\|", section, flags=re.MULTILINE)
    assert rows, "no settings table under '## Settings' in README.md"
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_documented_in_the_readme():
    documented = readme_settings()
    missing = [s.name for s in SETTINGS if s.name not in documented]
    assert missing == [], f"settings missing from README.md's table: {missing}"


def test_the_readme_documents_no_unknown_setting():
    unknown = set(readme_settings()) - {s.name for s in SETTINGS} - DOCUMENTED_OUTSIDE_SETTINGS
    assert unknown == set()


def test_readme_defaults_match_the_code():
    documented = readme_settings()
    for setting in SETTINGS:
        if setting.default is None or setting.name not in documented:  # missing rows: the test above
            continue
        shown = documented[setting.name].strip("`")
        if isinstance(setting.default, bool):
            assert shown == str(setting.default).lower(), f"{setting.name}: README says {shown!r}"
        elif isinstance(setting.default, (int, float)):
            assert float(shown) == setting.default, f"{setting.name}: README says {shown!r}"
        elif isinstance(setting.default, date):
            assert shown == setting.default.isoformat(), f"{setting.name}: README says {shown!r}"
        else:
            assert shown == setting.default, f"{setting.name}: README says {shown!r}, code says {setting.default!r}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://jobs:secret@db.internal/jobboard", "postgresql+psycopg://jobs:secret@db.internal/jobboard"),
        (
            "postgres://jobs:secret@db.internal:5433/jobboard",
            "postgresql+psycopg://jobs:secret@db.internal:5433/jobboard",
        ),
        ("postgresql+psycopg://jobs@db/jobboard", "postgresql+psycopg://jobs@db/jobboard"),
        ("sqlite:////var/lib/jobboard.db", "sqlite:////var/lib/jobboard.db"),
    ],
    ids=["postgresql-scheme", "postgres-scheme", "explicit-driver", "sqlite-unchanged"],
)
def test_database_url_uses_psycopg_3(bare_app, monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    load_config(bare_app)
    assert bare_app.config["SQLALCHEMY_DATABASE_URI"] == expected
    assert bare_app.config["DATABASE_URL"] == given


def test_database_url_override_is_normalised_too(bare_app):
    load_config(bare_app, {"DATABASE_URL": "postgres://u@h/d"})
    assert bare_app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


def test_default_database_is_the_sqlite_file_in_the_instance_folder(bare_app):
    load_config(bare_app)
    expected = Path(bare_app.instance_path) / "jobboard.db"
    assert bare_app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{expected}"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("true", True),
        ("1", True),
        ("YES", True),
        (" on ", True),
        ("false", False),
        ("0", False),
        ("No", False),
        ("off", False),
    ],
)
def test_booleans_are_parsed(bare_app, monkeypatch, raw, value):
    monkeypatch.setenv("MAIL_USE_TLS", raw)
    load_config(bare_app)
    assert bare_app.config["MAIL_USE_TLS"] is value


@pytest.mark.parametrize("raw", ["maybe", "ture", "2", "enabled"])
def test_a_bad_boolean_is_a_clear_error(bare_app, monkeypatch, raw):
    monkeypatch.setenv("OUTBOX_EAGER", raw)
    with pytest.raises(RuntimeError) as error:
        load_config(bare_app)
    message = str(error.value)
    assert "OUTBOX_EAGER" in message
    assert repr(raw) in message
    assert "boolean" in message


def test_a_bad_number_names_the_setting(bare_app, monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "smtp")
    with pytest.raises(RuntimeError, match="MAIL_PORT"):
        load_config(bare_app)


def test_numbers_are_parsed(bare_app, monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "4")
    load_config(bare_app)
    assert bare_app.config["MAIL_PORT"] == 587
    assert bare_app.config["OUTBOX_MAX_ATTEMPTS"] == 4


@pytest.mark.parametrize("env", ["staging", "Production", "prod", "dev"])
def test_a_bad_environment_is_refused(bare_app, monkeypatch, env):
    monkeypatch.setenv("JOBBOARD_ENV", env)
    with pytest.raises(RuntimeError, match="JOBBOARD_ENV") as error:
        load_config(bare_app)
    assert repr(env) in str(error.value)


def test_a_bad_environment_override_is_refused(bare_app):
    with pytest.raises(RuntimeError, match="JOBBOARD_ENV"):
        load_config(bare_app, {"JOBBOARD_ENV": "staging"})


def test_development_keeps_a_private_secret_key_in_the_instance_folder(bare_app, tmp_path):
    load_config(bare_app)
    key_file = Path(bare_app.instance_path) / "secret_key"
    assert bare_app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(bare_app.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    again = Flask("config_test_again", instance_path=bare_app.instance_path)
    load_config(again)
    assert again.config["SECRET_KEY"] == bare_app.config["SECRET_KEY"]


def test_production_requires_a_secret_key(bare_app, monkeypatch):
    monkeypatch.setenv("JOBBOARD_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config(bare_app)


PRODUCTION = {
    "JOBBOARD_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql://jobboard@db.internal/jobboard",
    "MAIL_BACKEND": "smtp",
    "RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0",
    "BASE_URL": "https://jobs.example.org",
    "MEILI_URL": "http://search.internal:7700",
}


def set_environment(monkeypatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("env", "eager", "testing"), [("development", True, False), ("testing", True, True), ("production", False, False)]
)
def test_environment_defaults(bare_app, monkeypatch, env, eager, testing):
    set_environment(monkeypatch, {**PRODUCTION, "JOBBOARD_ENV": env})
    load_config(bare_app)
    assert bare_app.config["OUTBOX_EAGER"] is eager
    assert bare_app.config["TESTING"] is testing
    assert bare_app.config["SESSION_COOKIE_SECURE"] is (env == "production")


def test_overrides_win_over_the_environment(bare_app, monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "from-environment.example")
    load_config(bare_app, {"MAIL_SERVER": "from-override.example", "WTF_CSRF_ENABLED": False})
    assert bare_app.config["MAIL_SERVER"] == "from-override.example"
    assert bare_app.config["WTF_CSRF_ENABLED"] is False


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL must name a PostgreSQL database"),
        ({"DATABASE_URL": "sqlite:////srv/jobboard.db"}, "DATABASE_URL must name a PostgreSQL database"),
        ({"MAIL_BACKEND": "file"}, "MAIL_BACKEND must be smtp"),
        ({"MAIL_BACKEND": ""}, "MAIL_BACKEND must be smtp"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI must name a shared store"),
        ({"RATELIMIT_ENABLED": "false"}, "RATELIMIT_ENABLED must stay on"),
        ({"BASE_URL": ""}, "BASE_URL must be set"),
        ({"MEILI_URL": ""}, "MEILI_URL must name the Meilisearch server, or SEARCH_SINGLE_HOST=true"),
    ],
)
def test_production_refuses_a_development_default_and_names_the_setting(bare_app, monkeypatch, changed, named):
    set_environment(monkeypatch, {**PRODUCTION, **changed})
    with pytest.raises(RuntimeError, match="Refusing to start in production") as refused:
        load_config(bare_app)
    assert named in str(refused.value)
    assert str(refused.value).count("\n- ") == 1  # only what is wrong


def test_production_names_every_development_default_at_once(bare_app, monkeypatch):
    set_environment(monkeypatch, {"JOBBOARD_ENV": "production", "SECRET_KEY": "k" * 48})
    with pytest.raises(RuntimeError) as refused:
        load_config(bare_app)
    for setting in ("DATABASE_URL", "MAIL_BACKEND", "RATELIMIT_STORAGE_URI", "BASE_URL", "MEILI_URL"):
        assert f"- {setting} " in str(refused.value)


def test_production_takes_the_embedded_engine_on_one_machine_when_told_so(bare_app, monkeypatch):
    set_environment(monkeypatch, {**PRODUCTION, "MEILI_URL": "", "SEARCH_SINGLE_HOST": "true"})
    load_config(bare_app)
    assert bare_app.config["SEARCH_SINGLE_HOST"] is True
    assert bare_app.config["MEILI_URL"] is None
