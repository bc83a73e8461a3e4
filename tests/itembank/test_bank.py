"""The in-memory operational bank: built from rows, swapped atomically, no parameter reads."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import event
from sqlmodel import Session

from engine.irt.parameters import ItemParameters
from itembank.bank import BankCache, NoLiveBank, build_bank
from itembank.calibrations import import_parameters, make_live
from itembank.tables import ItemStatus


def test_bank_holds_operational_items_with_parameters(world):
    cache = BankCache()
    bank = cache.load(world.engine)
    assert bank.calibration_id == world.calibration_id
    all_ids = sorted(i for ids in world.items.values() for i in ids)
    assert sorted(bank.params.item_ids.tolist()) == all_ids
    # self-scoring items only in the adaptive bank
    assert not any(i.endswith("cr0") for i in bank.adaptive.item_ids.tolist())
    assert bank.full.n_items == len(all_ids)
    under = bank.params.item_ids[bank.items_under(world.standards["7.RP.A"])].tolist()
    assert sorted(under) == sorted(world.items["7.RP.A.2"] + world.items["7.RP.A.3"])
    assert bank.objectives_under(world.standards["7.RP"]) == sorted(
        [str(world.standards["7.RP.A.2"]), str(world.standards["7.RP.A.3"])]
    )
    cuts = bank.scheme(world.standards["7.RP.A.2"]).cuts
    assert cuts[0] < cuts[1]


def test_selecting_from_the_bank_reads_no_parameter_rows(world):
    from itembank.checks import start_check
    from itembank.standards import find_standard

    bank = BankCache().load(world.engine)
    statements = []

    def spy(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(world.engine, "before_cursor_execute", spy)
    try:
        with Session(world.engine) as s:
            start_check(s, bank, student_id=world.students1[0], standard=find_standard(s, "7.RP.A.2"), seed=3)
            s.rollback()
    finally:
        event.remove(world.engine, "before_cursor_execute", spy)
    assert statements and not any("item_parameter" in q for q in statements)


def test_making_a_calibration_live_swaps_the_bank(world):
    cache = BankCache()
    first = cache.load(world.engine)
    with Session(world.engine, expire_on_commit=False) as s:
        p = first.params
        shifted = ItemParameters.from_arrays(
            p.item_ids,
            p.model,
            a=p.a,
            b=np.where(np.isfinite(p.b), p.b + 1.0, np.nan),
            thresholds=p.thresholds,
            n_categories=p.n_categories,
        )
        cal = import_parameters(s, shifted)
        make_live(s, cal.id)
        s.commit()
    second = cache.load(world.engine)
    assert second.calibration_id == cal.id and cache.live is second
    dich = np.isfinite(first.params.b)
    assert np.allclose(second.params.b[dich], first.params.b[dich] + 1.0)
    # the old calibration stays available to checks that started on it
    assert cache.get(first.calibration_id) is first


def test_readers_see_a_whole_bank_during_swaps(world):
    cache = BankCache()
    cache.load(world.engine)
    with Session(world.engine) as s:
        banks = [build_bank(s, world.calibration_id) for _ in range(2)]
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            b = cache.live
            seen.append(b.params.n_items == b.full.n_items == len(b.content))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for n in range(200):
        cache.install(banks[n % 2])
    stop.set()
    for t in threads:
        t.join()
    assert seen and all(seen)


def test_no_live_bank(db_engine):
    cache = BankCache()
    assert cache.load(db_engine) is None
    with pytest.raises(NoLiveBank):
        _ = cache.live


def test_retired_items_leave_the_bank(world):
    from itembank.items import update_item

    with Session(world.engine) as s:
        update_item(s, "7RPA2-sc0", {"status": ItemStatus.retired.value})
        s.commit()
    bank = BankCache().load(world.engine)
    assert "7RPA2-sc0" not in bank.params.index_of


def test_refresh_follows_changes_made_by_another_process(world):
    """Two caches stand for two server processes sharing one database."""
    from itembank.items import update_item

    mine, other = BankCache(), BankCache()
    mine.load(world.engine)
    other.load(world.engine)
    assert other.refresh_if_stale(world.engine) is False
    with Session(world.engine, expire_on_commit=False) as s:
        cal = import_parameters(s, mine.live.params)
        make_live(s, cal.id)
        s.commit()
    mine.load(world.engine)
    assert other.live.calibration_id == world.calibration_id
    assert other.refresh_if_stale(world.engine) is True
    assert other.live.calibration_id == cal.id
    with Session(world.engine) as s:
        update_item(s, "7RPA2-sc1", {"stem": "What is 3 + 4 (edited)?"})
        s.commit()
    assert other.refresh_if_stale(world.engine) is True
    assert other.live.content["7RPA2-sc1"].stem == "What is 3 + 4 (edited)?"


def test_items_with_a_negative_slope_are_not_served(world):
    with Session(world.engine, expire_on_commit=False) as s:
        p = BankCache().load(world.engine).params
        a = p.a.copy()
        a[p.index_of["7RPA2-sc3"]] = -0.8
        flipped = ItemParameters.from_arrays(
            p.item_ids, p.model, a=a, b=p.b, thresholds=p.thresholds, n_categories=p.n_categories
        )
        cal = import_parameters(s, flipped)
        make_live(s, cal.id)
        s.commit()
    bank = BankCache().load(world.engine)
    assert bank.calibration_id == cal.id
    assert "7RPA2-sc3" not in bank.params.index_of and "7RPA2-sc3" not in bank.content
    assert "7RPA2-sc3" not in bank.adaptive.item_ids.tolist()
