"""A bucket on a real S3-compatible server for the tests of the S3 file store: the server named by
``S3_TEST_ENDPOINT`` (``.ci/run`` starts moto's standalone server on loopback). Without it the
tests skip, except in CI, where a missing server is a failure."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from jobboard.core.storage import s3_client

REGION = "us-east-1"


@contextmanager
def empty_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A new, empty bucket: (its server's address, its name); emptied and removed afterwards."""
    endpoint = os.environ.get("S3_TEST_ENDPOINT")
    if not endpoint:
        if os.environ.get("CI") == "true":
            pytest.fail("S3_TEST_ENDPOINT is not set: CI needs the S3-compatible server .ci/run starts")
        pytest.skip("S3_TEST_ENDPOINT is not set: no S3-compatible server to test against (.ci/run starts one)")
    # moto takes any credentials; boto3 wants some.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "jobboard-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "jobboard-test")
    client = s3_client(endpoint, REGION)
    bucket = f"jobboard-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    try:
        yield endpoint, bucket
    finally:
        for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
        client.delete_bucket(Bucket=bucket)
