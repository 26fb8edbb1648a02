"""The file store's behaviour, the same for the local folder and for S3-compatible object storage
(a real server: moto's, started by ``.ci/run``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobboard.core.db import utcnow
from jobboard.core.storage import LocalStore, S3Store, read, s3_client
from tests.object_storage import REGION, empty_bucket


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, monkeypatch):
    if request.param == "local":
        yield LocalStore(tmp_path / "uploads")
        return
    with empty_bucket(monkeypatch) as (endpoint, bucket):
        yield S3Store(s3_client(endpoint, REGION), bucket)


def test_a_file_is_written_whole_read_back_and_replaced(store):
    store.write("a" * 32, b"%PDF-1.7 first")
    assert read(store, "a" * 32) == b"%PDF-1.7 first"
    store.write("a" * 32, b"%PDF-1.7 second")
    assert read(store, "a" * 32) == b"%PDF-1.7 second"


def test_a_file_is_read_as_a_stream(store):
    data = bytes(range(256)) * 4096  # 1 MB
    store.write("b" * 32, data)
    with store.open("b" * 32) as stream:
        first = stream.read(1000)
        rest = stream.read()
    assert first + rest == data


def test_a_missing_file_is_file_not_found_and_deleting_it_is_harmless(store):
    with pytest.raises(FileNotFoundError):
        store.open("c" * 32)
    store.delete("c" * 32)
    store.write("d" * 32, b"x")
    store.delete("d" * 32)
    with pytest.raises(FileNotFoundError):
        store.open("d" * 32)


def test_the_listing_names_every_file_with_when_it_was_written(store):
    before = utcnow() - timedelta(minutes=1)
    for name in ("e" * 32, "f" * 32):
        store.write(name, b"x")
    listed = dict(store.listing())
    assert set(listed) == {"e" * 32, "f" * 32}
    assert all(before < written < utcnow() + timedelta(minutes=1) for written in listed.values())
