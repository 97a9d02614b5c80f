"""Integration tests run the collection's playbooks against the shared twin (tests/conftest.py).

Each test module starts from the seed state; tests inside a module may build on each other
(converge, then rerun, then tear down), so a module runs on one xdist worker (--dist loadfile).
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _fresh_twin_per_module(request):
    if "twin" in request.fixturenames:
        request.getfixturevalue("admin").reset()

