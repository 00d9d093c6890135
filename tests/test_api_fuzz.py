"""Schemathesis against the served OpenAPI document: generated requests (valid and invalid) never get a 5xx.

Bounded: a fixed number of examples per operation, no deadline, derandomised so that CI is reproducible.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from evaluator import api
from evaluator.serve import app as server

from .conftest import ROOT

# schemathesis calls the app as host "testserver": accepted like a name given to `policy serve --allow-host`
schema = schemathesis.openapi.from_asgi("/openapi.json", server.create_app(api.load(ROOT), "reference",
                                                                         allow_hosts=("testserver",)))


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])
