"""Static files under names that carry their content's fingerprint, cached for a year as immutable
and sent compressed as the browser accepts."""

from __future__ import annotations

import gzip
import re

import brotli

from jobboard import site_folder
from jobboard.core.assets import build


def stylesheet(client) -> str:
    page = client.get("/en/account/login").get_data(as_text=True)
    return re.search(r'<link rel="stylesheet" href="(/static/css/app\.[0-9a-f]{10}\.css)"', page).group(1)


def test_a_fingerprinted_file_is_cached_for_a_year_and_compressed_as_the_browser_accepts(client, db_session):
    href = stylesheet(client)
    source = (site_folder("static") / "css" / "app.css").read_bytes()

    plain = client.get(href)
    assert plain.status_code == 200 and plain.data == source
    assert "max-age=31536000" in plain.headers["Cache-Control"] and "immutable" in plain.headers["Cache-Control"]
    assert "Accept-Encoding" in plain.headers["Vary"]

    as_brotli = client.get(href, headers={"Accept-Encoding": "gzip, br"})
    assert as_brotli.headers["Content-Encoding"] == "br"
    assert brotli.decompress(as_brotli.data) == source
    as_gzip = client.get(href, headers={"Accept-Encoding": "gzip"})
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.data) == source


def test_the_plain_name_is_still_served(client, db_session):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_name_and_the_old_one_stays_for_pages_already_open(tmp_path):
    source, target = tmp_path / "source", tmp_path / "built"
    (source / "css").mkdir(parents=True)
    (source / "css" / "site.css").write_text("body { color: black; }" * 50)
    first = build(source, target)
    (source / "css" / "site.css").write_text("body { color: navy; }" * 50)
    second = build(source, target)

    assert first["css/site.css"] != second["css/site.css"]
    assert re.fullmatch(r"css/site\.[0-9a-f]{10}\.css", second["css/site.css"])
    assert (target / first["css/site.css"]).exists() and (target / second["css/site.css"]).exists()
    assert (target / (second["css/site.css"] + ".gz")).exists() and (target / (second["css/site.css"] + ".br")).exists()
