"""The API against its own OpenAPI document, with Schemathesis: every operation, with valid
input (positive) and invalid input (negative), called with a valid key of all scopes. No answer
is a server error, and every answer conforms to the document: its status is documented, its
content type and headers are the documented ones, and its body validates against the schema.

Path ids are sometimes those of the organisation's real objects (an application, a licence document
it shares; and a posting's body names the organisation's real site and a known profession), so the
real handlers run, not only the 404s.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jobboard.applications import applying
from jobboard.licensing import sharing
from tests.api.conftest import bearer
from tests.licensing.conftest import stored_document

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 25


@pytest.fixture
def operations(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000/minute")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    application = applying.apply(world.doctor, world.posting, world.cv, "Hello")
    document = stored_document(world.doctor, "diploma")
    sharing.share(world.doctor, application, [document])
    from jobboard.extensions import db

    db.session.commit()
    real = {"posting_id": world.posting.id, "application_id": application.id, "document_id": document.id}
    found = [result.ok() for result in schema.get_all_operations()]
    return found, real


def with_real_objects(case, real, world):
    for name in list(case.path_parameters or {}):
        if name in real:
            case.path_parameters[name] = real[name]
    if isinstance(case.body, dict) and "site_id" in case.body:
        case.body.update(site_id=world.site.id, profession="physician", specialty="pediatrics")
        case.body.update(grant_ids=[], languages=[], translations=[])
    return case


def examples(strategy, label, headers, checks, calls):
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    def run(case):
        response = case.call_and_validate(headers=headers, checks=checks)
        calls.setdefault(label, set()).add(response.status_code)

    return run


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_every_answer_conforms_to_the_document(app, world, operations, mode):
    found, real = operations
    assert len(found) >= 11
    headers = bearer(world.token)
    checks = [*CHECKS, negative_data_rejection] if mode == GenerationMode.NEGATIVE else CHECKS
    calls = {}
    for operation in found:
        strategy = operation.as_strategy(generation_mode=mode)
        if mode == GenerationMode.POSITIVE:
            strategy = st.one_of(strategy, strategy.map(lambda case: with_real_objects(case, real, world)))

        examples(strategy, operation.label, headers, checks, calls)()
    # The real handlers answered, not only the refusals.
    assert any(200 <= status < 300 for statuses in calls.values() for status in statuses), calls
    print({label: sorted(statuses) for label, statuses in calls.items()})
