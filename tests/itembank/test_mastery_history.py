"""Band changes of stored mastery are recorded where they happen, dated by the evidence (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlmodel import Session, select

from itembank.bank import BankCache
from itembank.checks import answer_check, load_check, start_check
from itembank.mastery_history import MasteryBandChange, MasteryStandardCount, MasteryStudentCount
from itembank.mastery_store import upsert_mastery
from itembank.standards import find_standard
from itembank.tables import Mastery, Response, Standard


def _changes(s: Session, student: int, standard: int) -> list[tuple]:
    rows = s.exec(
        select(MasteryBandChange)
        .where(MasteryBandChange.student_id == student, MasteryBandChange.standard_id == standard)
        .order_by(MasteryBandChange.id)
    ).all()
    return [(r.old_band, r.new_band, r.changed_at) for r in rows]


def _write(s: Session, world, band: str, when: datetime, theta: float = 0.0) -> None:
    upsert_mastery(
        s,
        student_id=world.students1[0],
        standard_id=world.standards["7.RP.A.2"],
        theta=theta,
        se=0.5,
        band=band,
        p_mastery=0.5,
        n_evidence=3,
        calibration_id=world.calibration_id,
        when=when,
    )
    s.commit()


def test_upsert_records_each_band_change_at_the_evidence_time(world):
    student, sid = world.students1[0], world.standards["7.RP.A.2"]
    days = [datetime(2026, 9, d, 14, tzinfo=UTC) for d in (1, 8, 15, 22)]
    with Session(world.engine) as s:
        _write(s, world, "red", days[0])
        assert _changes(s, student, sid) == [(None, "red", days[0])]
        _write(s, world, "red", days[1], theta=-0.5)  # a new estimate, the same band: nothing recorded
        assert len(_changes(s, student, sid)) == 1
        _write(s, world, "yellow", days[2])
        _write(s, world, "green", days[3])
        assert _changes(s, student, sid) == [
            (None, "red", days[0]),
            ("red", "yellow", days[2]),
            ("yellow", "green", days[3]),
        ]


def test_a_checks_answers_record_the_band_changes_of_its_estimates(world):
    """The answer path (one statement with CTEs on PostgreSQL, an upsert on SQLite) is covered too."""
    bank = BankCache().load(world.engine)
    student = world.students1[0]
    with Session(world.engine) as s:
        standard = find_standard(s, "7.RP.A.2")
        out = start_check(s, bank, student_id=student, standard=standard, seed=5)
        s.commit()
        check_id, item, bands, expected = out.check.id, out.item, [], []
        flip = 0
        while item is not None:
            wrong = item.interaction == "single_choice" and flip % 3 == 0
            answer = "B" if wrong else item.key
            flip += 1
            step = answer_check(s, bank, load_check(s, check_id), item.id, answer)
            s.commit()
            band = s.get(Mastery, (student, standard.id)).band
            when = s.exec(select(Response.answered_at).where(Response.id == step.response_id)).one()
            if not bands or bands[-1] != band:
                expected.append((bands[-1] if bands else None, band, when))
            bands.append(band)
            s.expire_all()
            item = step.next_item
        assert len(bands) > 1 and len(expected) > 1
        assert _changes(s, student, standard.id) == expected


def _recount(s: Session) -> tuple[dict, dict]:
    """The counts by band on objectives, counted from the stored rows."""
    level = {x.id: x.level for x in s.exec(select(Standard)).all()}
    students: dict = {}
    standards: dict = {}
    for m in s.exec(select(Mastery)).all():
        if level[m.standard_id] == "objective":
            students[(m.student_id, m.band)] = students.get((m.student_id, m.band), 0) + 1
            standards[(m.standard_id, m.band)] = standards.get((m.standard_id, m.band), 0) + 1
    return students, standards


def _kept(s: Session) -> tuple[dict, dict]:
    students = {(k.student_id, k.band): k.n for k in s.exec(select(MasteryStudentCount)).all() if k.n}
    standards: dict = {}
    for k in s.exec(select(MasteryStandardCount)).all():
        assert k.shard == k.shard % 16
        standards[(k.standard_id, k.band)] = standards.get((k.standard_id, k.band), 0) + k.n
    return students, {key: n for key, n in standards.items() if n}


def test_the_counts_by_band_follow_every_write(world):
    """Inserts, band changes, unchanged bands, a check's answers and a delete: the kept counts equal a recount."""
    bank = BankCache().load(world.engine)
    rng = np.random.default_rng(2)
    when = datetime(2026, 9, 1, tzinfo=UTC)
    with Session(world.engine) as s:
        for _ in range(40):
            upsert_mastery(
                s,
                student_id=int(rng.choice(world.students1 + world.students2)),
                standard_id=world.standards[str(rng.choice(["7.RP.A.2", "7.RP.A.3", "7.EE.B.4", "7.RP.A"]))],
                theta=0.0,
                se=0.5,
                band=str(rng.choice(["red", "yellow", "green"])),
                p_mastery=0.5,
                n_evidence=1,
                calibration_id=world.calibration_id,
                when=when,
            )
            s.commit()
        out = start_check(s, bank, student_id=world.students2[0], standard=find_standard(s, "7.EE.B.4"), seed=2)
        s.commit()
        item = out.item
        while item is not None:
            item = answer_check(s, bank, load_check(s, out.check.id), item.id, item.key).next_item
            s.commit()
        kept = _kept(s)
        assert kept == _recount(s) and kept[0]
        s.delete(s.exec(select(Mastery).where(Mastery.standard_id == world.standards["7.EE.B.4"])).first())
        s.commit()
        assert _kept(s) == _recount(s)
        assert all(sid != world.standards["7.RP.A"] for sid, _ in _kept(s)[1])  # an indicator is not counted
