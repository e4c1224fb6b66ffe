"""The API fuzzed from its own OpenAPI description (schemathesis): no input gives a 5xx.

schemathesis' pytest integration (``schemathesis.pytest.from_fixture``) does not run under
pytest 9 (it reads ``Function._nodeid``, which pytest 9 removed), so the test walks the
operations itself, one subtest each, with positive and negative (invalid) inputs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from portal.extensions import limiter
from portal.services.reference_data import ensure_categories
from tests.factories import gen_agency, gen_unit

FUZZ = settings(
    max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def test_no_operation_answers_5xx(app, session, monkeypatch, subtests):
    ensure_categories(session)
    agency = gen_agency(session, name="Kementerian Fuzz")
    gen_unit(session, agency, name="Direktorat Pendaftaran Penduduk")
    session.commit()
    # Rate limits would answer 429 to most cases and hide the code behind them.
    monkeypatch.setattr(limiter, "enabled", False)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5

    def call(case):
        # A thread of its own, hence an app context of its own, as in production
        # (see IsolatedClient in tests/conftest.py).
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(case.call_and_validate, checks=[not_a_server_error]).result()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(operation=operation.label, mode=mode.value):

                @FUZZ
                @given(case=operation.as_strategy(generation_mode=mode))
                def fuzz(case):
                    call(case)

                fuzz()
