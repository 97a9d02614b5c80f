"""The twin's own tests start every test from a fresh twin: seed state, start-up config, zeroed counters.

Tests that need no twin (pure logic) do not start one.
"""

import pytest


@pytest.fixture(autouse=True)
def _fresh_twin(request):
    if "twin" in request.fixturenames:
        request.getfixturevalue("admin").reset()
