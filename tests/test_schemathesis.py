"""The whole API fuzzed against its own OpenAPI document (issue 12): schemathesis 4 generates
valid and invalid requests for every operation from /api/openapi.json and sends them to a real
hub process, unauthenticated and signed in as the administrator, as operator op1 and as the
kiosk. Every answer must be documented (status and content type), conform to its documented
schema where one is given, and no answer may be a 5xx.

Bounded and repeatable: Hypothesis derandomized (a fixed seed per operation), no example
database, a few examples per operation and generation mode (TALON_FUZZ_EXAMPLES raises it for a
longer run by hand). Not fuzzed, on purpose:
- ``GET /api/v1/offices/{office}/events``: a Server-Sent Events stream never ends, so a
  request/answer check does not apply (tests/test_live_streams.py covers it);
- ``/api/v1/testing/...``: controls of test hubs only (the clock, storage faults), absent from a
  real hub's document; fuzzing them would break the hub under test for every later request;
- ``POST /api/v1/auth/logout`` while signed in: it would end the very token the rest of the run
  uses (it is fuzzed unauthenticated).
"""
from __future__ import annotations

import collections
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support import HubProcess

#: Examples per operation and mode: valid requests reach deeper, so they get one more.
EXAMPLES = int(os.environ.get("TALON_FUZZ_EXAMPLES", "3"))
NEGATIVE_EXAMPLES = max(1, EXAMPLES - 1)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def excluded(path: str, method: str, signed_in: bool) -> bool:
    if path.endswith("/events") or path.startswith("/api/v1/testing/"):
        return True
    return signed_in and method == "POST" and path == "/api/v1/auth/logout"


@pytest.fixture(scope="module")
def fuzz_hub(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("fuzz") / "hub.sqlite").start()
    hub.tokens = {"admin": hub.client("admin").token, "op1": hub.client("op1").token, "kiosk": hub.kiosk_key}
    hub.schema = schemathesis.openapi.from_url(hub.url + "/api/openapi.json")
    yield hub
    hub.stop()


def fuzz(hub, token: str | None) -> tuple[list[str], collections.Counter]:
    """Run every operation in both generation modes; answer the failures (one line each, with
    schemathesis's own report) and the statuses seen."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: list[str] = []
    statuses: collections.Counter = collections.Counter()
    for result in hub.schema.get_all_operations():
        operation = result.ok()
        if excluded(operation.path, operation.method.upper(), token is not None):
            continue
        names = {p.name for p in operation.path_parameters}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # valid requests go to the demo office (a random office is only a 403/404); invalid ones
            # are generated whole
            fixed = {"office": "demo"} if mode is GenerationMode.POSITIVE and "office" in names else None

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
            @settings(max_examples=EXAMPLES if mode is GenerationMode.POSITIVE else NEGATIVE_EXAMPLES,
                      derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                      report_multiple_bugs=False)
            def check(case):
                response = case.call(headers=headers, timeout=60)
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                check()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                # nothing to make invalid (an operation without parameters or body)
            except (Exception, FailureGroup) as exc:  # FailureGroup: the report and a curl line
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    return failures, statuses


def _report(failures: list[str]) -> str:
    return f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(f[:1500] for f in failures)


def test_the_document_loads_and_only_the_stream_and_test_controls_are_left_out(fuzz_hub):
    operations = [r.ok() for r in fuzz_hub.schema.get_all_operations()]  # .ok() raises on an invalid one
    assert len(operations) > 40
    left_out = sorted(f"{o.method.upper()} {o.path}" for o in operations if excluded(o.path, o.method.upper(), False))
    assert left_out[0] == "GET /api/v1/offices/{office}/events"
    assert all(x.split()[1].startswith("/api/v1/testing/") for x in left_out[1:]), left_out


@pytest.mark.parametrize("who", ["anonymous", "admin", "op1", "kiosk"])
def test_fuzzing_finds_no_server_error_and_no_undocumented_answer(fuzz_hub, who):
    started = time.monotonic()
    failures, statuses = fuzz(fuzz_hub, fuzz_hub.tokens.get(who))
    seconds = time.monotonic() - started
    print(f"{who}: {sum(statuses.values())} requests in {seconds:.1f} s, statuses {dict(sorted(statuses.items()))}")
    assert not failures, _report(failures)
    assert not any(s >= 500 for s in statuses)
    # the run reached real work, not only refusals
    if who == "anonymous":
        assert statuses[401] > 0 and statuses[200] > 0
    else:
        assert sum(n for s, n in statuses.items() if 200 <= s < 300) > 5, statuses
