"""Shared fixtures: the demo bank for the default seed, built once per session."""

from __future__ import annotations

import pytest

from demo import content as dc


@pytest.fixture(scope="session")
def bank() -> list[dc.ItemSpec]:
    """All demo items for the default seed."""
    return dc.items()


@pytest.fixture(scope="session")
def by_template(bank: list[dc.ItemSpec]) -> dict[str, list[dc.ItemSpec]]:
    """Items grouped by the template that made them."""
    out: dict[str, list[dc.ItemSpec]] = {}
    for item in bank:
        out.setdefault(item.template, []).append(item)
    return out
