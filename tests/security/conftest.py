from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import UNDER_CI, _mysql_reachable
from tests.security.installation import Installation, install


@pytest.fixture(scope="module")
def installation() -> Iterator[Installation]:
    problem = _mysql_reachable()
    if problem is not None:
        if UNDER_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    inst = install()
    yield inst
    inst.drop()
