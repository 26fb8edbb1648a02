"""Where uploaded files are kept (CVs and the copies sent with applications): one port, two stores.

- ``LocalStore``: a private folder (``UPLOAD_DIR``), the default; one machine only.
- ``S3Store``: a bucket of S3-compatible object storage (``STORAGE_BACKEND=s3``), for a site
  served by several machines; credentials come from boto3's usual sources (``AWS_ACCESS_KEY_ID``
  and ``AWS_SECRET_ACCESS_KEY``, or the machine's role).

Names are the callers' (random, see ``applications.cv_files``); a file is written whole or not at
all, read as a stream for downloads, and deleted on erasure. A missing file is
``FileNotFoundError`` in both.

Every feature that stores files says which names its rows refer to (``register_references``):
a stored file no feature refers to is a leftover, which the sweeper removes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

import boto3
from botocore.exceptions import ClientError
from flask import Flask, current_app


class FileStore(Protocol):
    def write(self, name: str, data: bytes) -> None:
        """Store ``data`` under ``name``, replacing at once what was there."""

    def open(self, name: str) -> IO[bytes]:
        """The file to read as a stream."""

    def delete(self, name: str) -> None:
        """Remove the file; nothing happens if there is none."""

    def listing(self) -> Iterator[tuple[str, datetime]]:
        """Every stored name, with when it was last written."""


def register_references(app: Flask, names: Callable[[], Iterable[str | None]]) -> None:
    """A feature that keeps files in the store names them (``names()``: every stored name its rows
    refer to), so the sweep of unreferenced files leaves them be."""
    app.extensions.setdefault("stored_file_references", []).append(names)


def referenced_names() -> set[str]:
    sources = current_app.extensions.get("stored_file_references", [])
    return {name for names in sources for name in names() if name}


def read(store: FileStore, name: str) -> bytes:
    with store.open(name) as stream:
        return stream.read()


class LocalStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.folder / name

    def write(self, name: str, data: bytes) -> None:
        temporary = self._path(f".{uuid.uuid4().hex}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # the app's to read only
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, self._path(name))

    def open(self, name: str) -> IO[bytes]:
        return self._path(name).open("rb")

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def listing(self) -> Iterator[tuple[str, datetime]]:
        for path in self._path("").iterdir():
            if path.is_file() and not path.name.startswith("."):
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime).astimezone()


class S3Store:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def write(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=name, Body=data)

    def open(self, name: str) -> IO[bytes]:
        try:
            body: IO[bytes] = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(name) from None
            raise
        return body

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=name)

    def listing(self) -> Iterator[tuple[str, datetime]]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                yield item["Key"], item["LastModified"]


def s3_client(endpoint_url: str | None, region: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region)


def file_store() -> FileStore:
    """The store the app's settings name (an S3 client is made once per bucket and server)."""
    config = current_app.config
    if config["STORAGE_BACKEND"] != "s3":
        return LocalStore(Path(config["UPLOAD_DIR"]))
    key = (config["S3_BUCKET"], config["S3_ENDPOINT_URL"], config["S3_REGION"])
    stores: dict[tuple[str, str | None, str], S3Store] = current_app.extensions.setdefault("s3_stores", {})
    if key not in stores:
        stores[key] = S3Store(s3_client(config["S3_ENDPOINT_URL"], config["S3_REGION"]), config["S3_BUCKET"])
    return stores[key]
