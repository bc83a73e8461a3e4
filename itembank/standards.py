"""Standards frameworks: a three-level hierarchy of codes.

Levels from top to bottom are competency, performance indicator and learning
objective; a node's parent is one level up in the same framework (a
competency has none).  Items attach to learning objectives.
"""

from __future__ import annotations

from sqlmodel import Session, func, select

from itembank.errors import Invalid, NotFound
from itembank.tables import MAX_INT_ID, Standard, StandardLevel

__all__ = [
    "LEVELS",
    "create_standard",
    "find_standard",
    "get_standard",
    "list_standards",
    "descendant_ids",
    "check_parent",
]

#: Levels in order, top first.
LEVELS = [lvl.value for lvl in StandardLevel]


def get_standard(session: Session, standard_id: int) -> Standard:
    """The standard with id ``standard_id``; :class:`NotFound` otherwise."""
    row = session.get(Standard, standard_id)
    if row is None:
        raise NotFound(f"no standard with id {standard_id}")
    return row


def find_standard(session: Session, code: str, framework: str | None = None) -> Standard:
    """The standard with ``code`` (in ``framework`` if given), or by numeric id.

    Raises
    ------
    NotFound
        No such code, or a code that several frameworks use and no framework given.
    """
    stmt = select(Standard).where(Standard.code == code)
    if framework:
        stmt = stmt.where(Standard.framework == framework)
    rows = session.exec(stmt).all()
    if not rows and code.isascii() and code.isdigit() and framework is None and int(code) <= MAX_INT_ID:
        return get_standard(session, int(code))
    if not rows:
        where = f" in framework {framework}" if framework else ""
        raise NotFound(f"no standard with code {code}{where}")
    if len(rows) > 1:
        raise NotFound(f"standard code {code} is used by several frameworks; name the framework")
    return rows[0]


def check_parent(level: str, parent: Standard | None, framework: str) -> None:
    """Refuse a parent that is not exactly one level up in the same framework."""
    if level not in LEVELS:
        raise Invalid(f"level must be one of {', '.join(LEVELS)}, got {level!r}", "level")
    depth = LEVELS.index(level)
    if depth == 0:
        if parent is not None:
            raise Invalid("a competency has no parent", "parent_code")
        return
    if parent is None:
        raise Invalid(f"a {level} needs a parent {LEVELS[depth - 1]}", "parent_code")
    if parent.framework != framework:
        raise Invalid(f"parent {parent.code} is in framework {parent.framework}, not {framework}", "parent_code")
    if parent.level != LEVELS[depth - 1]:
        raise Invalid(
            f"the parent of a {level} must be a {LEVELS[depth - 1]}; {parent.code} is a {parent.level}", "parent_code"
        )


def create_standard(
    session: Session,
    *,
    framework: str,
    code: str,
    title: str,
    level: str,
    parent_code: str | None = None,
    description: str = "",
) -> Standard:
    """Add a standard (not committed)."""
    exists = session.exec(select(Standard.id).where(Standard.framework == framework, Standard.code == code)).first()
    if exists is not None:
        raise Invalid(f"standard {code} already exists in framework {framework}", "code")
    parent = find_standard(session, parent_code, framework) if parent_code else None
    check_parent(level, parent, framework)
    row = Standard(
        framework=framework,
        code=code,
        title=title,
        level=level,
        parent_id=None if parent is None else parent.id,
        description=description,
    )
    session.add(row)
    session.flush()
    return row


def list_standards(
    session: Session,
    *,
    framework: str | None = None,
    level: str | None = None,
    parent_id: int | None = None,
    include_retired: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Standard], int]:
    """A page of standards in code order, and how many match in total."""
    stmt = select(Standard)
    if framework:
        stmt = stmt.where(Standard.framework == framework)
    if level:
        stmt = stmt.where(Standard.level == level)
    if parent_id is not None:
        stmt = stmt.where(Standard.parent_id == parent_id)
    if not include_retired:
        stmt = stmt.where(Standard.retired == False)  # noqa: E712
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(Standard.framework, Standard.code).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def descendant_ids(session: Session, standard_id: int) -> list[int]:
    """``standard_id`` and the ids of every standard below it."""
    out, frontier = [standard_id], [standard_id]
    while frontier:
        frontier = list(session.exec(select(Standard.id).where(Standard.parent_id.in_(frontier))).all())
        out.extend(frontier)
    return out
