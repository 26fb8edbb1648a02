"""The package as an operator installs it: a wheel built from the checkout and installed into a
fresh virtual environment outside it creates its database and serves a page with its styles and
scripts. (The wheel's dependencies are the ones installed for the tests, made visible to the new
environment: the wheel is what is under test, not the package index.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
from pathlib import Path

from jobboard import ROOT
from tests.serving import free_port

# What a checkout holds beside its sources.
COPIED_NOT = (
    ".git",
    ".venv",
    "node_modules",
    "build",
    "instance",
    "test-results",
    "*.egg-info",
    "__pycache__",
    ".*cache",
)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the test server on loopback
        return response.status, response.headers["Content-Type"], response.read()


def test_the_wheel_installed_in_a_fresh_environment_migrates_and_serves_its_pages_with_css_and_js(tmp_path):
    # Built from a copy of the sources: a build folder left in the checkout may hold files since
    # renamed or deleted, which would go into the wheel beside their new selves.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*COPIED_NOT))
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        "dist",
        source,
        cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "dist").glob("jobboard-*.whl")
    run(sys.executable, "-m", "venv", "--without-pip", "venv", cwd=tmp_path)
    python = tmp_path / "venv" / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel, cwd=tmp_path)
    site_packages = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)
    (Path(site_packages.strip()) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "packaging-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "JOBBOARD_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    installed = run(python, "-c", "import jobboard; print(jobboard.__file__)", cwd=tmp_path, env=env)
    assert installed.startswith(str(tmp_path / "venv")), installed
    run(python, "-m", "flask", "--app", "jobboard", "db", "upgrade", cwd=tmp_path, env=env)
    run(python, "-m", "flask", "--app", "jobboard", "jobboard", "seed-vocab", cwd=tmp_path, env=env)

    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "jobboard:create_app()"],
        cwd=tmp_path,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _attempt in range(100):
            try:
                status, _type, page = fetch(f"{base}/he/jobs")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the installed site never answered")
        html = page.decode()
        assert status == 200 and '<html lang="he" dir="rtl">' in html
        assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script src="([^"]+)"', html)
        # Named by their content (``core.assets``): "app.3f2a9c1b7d.css".
        assert {"bootstrap.rtl.min.css", "app.css", "htmx.min.js", "bootstrap.bundle.min.js", "app.js"} <= {
            re.sub(r"\.[0-9a-f]{10}(?=\.)", "", asset.rsplit("/", 1)[-1]) for asset in assets
        }
        for asset in assets:
            status, content_type, body = fetch(base + asset)
            assert status == 200 and body, asset
            assert content_type.split(";")[0] in ("text/css", "text/javascript", "application/javascript"), asset
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_lock_holds_every_pin_of_pyproject_at_its_version_with_hashes():
    """``make install`` installs from requirements.lock (``make lock`` writes it): a pin changed in
    pyproject.toml and not locked again would be installed at the old version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    locked = dict(re.findall(r"^([a-z0-9._-]+)==(\S+) \\$", (ROOT / "requirements.lock").read_text(), re.MULTILINE))
    for pin in pins:
        name, version = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", pin).groups()
        assert locked.get(re.sub(r"[._]", "-", name.lower())) == version, pin
    assert "--hash=sha256:" in (ROOT / "requirements.lock").read_text()
