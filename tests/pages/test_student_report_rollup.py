"""A teacher's page of a student: rolled-up indicators and competencies count the answers under them."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from itembank.tables import Mastery


def _row(page: str, code: str) -> tuple[str, str]:
    """(answers, last assessed) of the standard's row in the mastery table."""
    row = re.search(rf'<th scope="row">{re.escape(code)}</th>(.*?)</tr>', page, re.S).group(1)
    answers, date = re.findall(r'<td class="num">([^<]*)</td><td>([^<]*)</td>', row)[0]
    return answers, date


def test_rolled_up_rows_count_the_answers_and_the_latest_date_under_them(login, world):
    sid = world.students1[0]
    with Session(world.engine) as s:
        for code, n, day in (("7.RP.A.2", 9, 3), ("7.RP.A.3", 4, 12)):
            s.add(
                Mastery(
                    student_id=sid,
                    standard_id=world.standards[code],
                    theta=0.2,
                    se=0.4,
                    band="yellow",
                    p_mastery=0.5,
                    n_evidence=n,
                    calibration_id=world.calibration_id,
                    last_assessed=datetime(2026, 11, day, 9, 30),
                )
            )
        s.commit()
    page = login("teacher").get(f"/teacher/students/{sid}").text
    assert _row(page, "7.RP.A.2") == ("9", "3 Nov 2026")
    assert _row(page, "7.RP.A") == ("13", "12 Nov 2026")  # the indicator: its objectives
    assert _row(page, "7.RP") == ("13", "12 Nov 2026")  # the competency: its indicator, itself rolled up
