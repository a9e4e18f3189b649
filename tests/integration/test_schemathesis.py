"""S13: bad input never crashes or leaks internals. Schemathesis generates requests from the
app's own OpenAPI schema, valid and invalid, and sends them in process (no network) with each
role's bearer token and with none: no 5xx, no traceback, no SQL, no stored secret in any answer.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from leak_oracle import VIEWERS, fields_with, marker_for
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    status_code_conformance,
)

from integration_helpers import token_for
from support import START
from truce.domain.reports import parse_file_report
from truce.entrypoints.web.app import create_app

SCHEMA = "/api/v1/schema/openapi.json"
# What an error body must never carry: a traceback, a Python exception's name, SQL, a path.
INTERNALS = re.compile(
    r"Traceback|File \"|sqlalchemy|sqlite3|psycopg|SELECT |INSERT |UPDATE |DELETE FROM|"
    r"Error:|Exception|/site-packages/|\.py\b",
    re.IGNORECASE,
)
# Examples per operation and role: enough to hit each parameter's edges, bounded for CI.
PER_OPERATION = 10


@pytest.fixture
def api(services):
    """The schema as the app serves it, with some material to find: a report of each filing
    body at each level."""
    for number, (member, level) in enumerate(
        [("gov_liaison", "guarantors"), ("opposition_liaison", "submitter"), ("monitor", "public")]
    ):
        command = parse_file_report(fields_with(marker_for(number), level), now=START)
        services.monitoring.file_report(command, services.auth.find_member(member))
    services.record.issue_checkpoint()
    return schemathesis.openapi.from_asgi(SCHEMA, create_app(services.settings, services))


def no_internals(body: str) -> None:
    found = INTERNALS.search(body)
    assert found is None, f"an answer shows internals ({found.group(0)!r}): {body[:300]}"


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda viewer: viewer or "anonymous")
def test_no_request_crashes_or_leaks_internals(viewer, services, api):
    headers = {} if viewer is None else {"Authorization": f"Bearer {token_for(services, viewer)}"}
    strategy = st.one_of(
        [
            operation.ok().as_strategy(generation_mode=mode)
            for operation in api.get_all_operations()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
    )

    @settings(
        max_examples=PER_OPERATION * 10,
        phases=[Phase.explicit, Phase.generate],
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        response = case.call(headers=headers)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
        no_internals(response.text)
        if case.method == "GET" and response.status_code < 400:
            case.validate_response(
                response,
                checks=[
                    status_code_conformance,
                    content_type_conformance,
                    response_headers_conformance,
                ],
                headers=headers,
            )

    run()
