"""Items: creating, editing (with versions), listing and retiring.

An item's content (stem, choices, key, tolerance, rubric) is versioned: an
edit to any of them raises ``version`` by one, and every response records the
version it answered.  Status moves between draft, pretest, operational and
retired; only operational items with parameters in the live calibration are
served in adaptive checks.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, func, select

from itembank.answers import validate_key
from itembank.errors import Invalid, NotFound
from itembank.standards import descendant_ids, find_standard
from itembank.tables import Interaction, Item, ItemStatus, Standard, StandardLevel, utcnow

__all__ = ["create_item", "update_item", "get_item", "list_items", "check_content", "n_categories_of", "STATUSES"]

STATUSES = [s.value for s in ItemStatus]
_CONTENT = ("stem", "choices", "key", "tolerance", "rubric")


def n_categories_of(interaction: str, rubric: list | None) -> int:
    """Score categories: 2 for machine-scored items, the rubric's levels otherwise."""
    if interaction == Interaction.constructed_response.value:
        return len(rubric or []) or 4
    return 2


def check_content(interaction: str, choices: list[dict], key: Any, rubric: list | None, dok: int, status: str) -> None:
    """Refuse inconsistent content with :class:`Invalid` naming the field."""
    problems = validate_key(interaction, choices, key, rubric)
    if problems:
        field, message = problems[0]
        raise Invalid(message, field)
    if not 1 <= int(dok) <= 4:
        raise Invalid(f"dok must be 1..4, got {dok}", "dok")
    if status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}, got {status!r}", "status")


def _objective(session: Session, code: str, framework: str | None) -> Standard:
    std = find_standard(session, code, framework)
    if std.level != StandardLevel.objective.value:
        raise Invalid(f"items attach to learning objectives; {std.code} is a {std.level}", "objective")
    return std


def get_item(session: Session, item_id: str) -> Item:
    row = session.get(Item, item_id)
    if row is None:
        raise NotFound(f"no item with id {item_id}")
    return row


def create_item(
    session: Session,
    *,
    stem: str,
    interaction: str,
    objective: str,
    choices: list[dict] | None = None,
    key: Any = None,
    tolerance: float = 0.0,
    rationale: str = "",
    rubric: list[dict] | None = None,
    dok: int = 1,
    status: str = "draft",
    id: str | None = None,
    framework: str | None = None,
) -> Item:
    """Add an item (not committed); ``id`` is generated when not given."""
    choices = [dict(c) for c in (choices or [])]
    rubric = None if rubric is None else [dict(r) for r in rubric]
    check_content(interaction, choices, key, rubric, dok, status)
    if id is not None and session.get(Item, id) is not None:
        raise Invalid(f"item {id} already exists", "id")
    std = _objective(session, objective, framework)
    row = Item(
        id=id or f"I{uuid.uuid4().hex[:12]}",
        stem=stem,
        interaction=interaction,
        choices=choices,
        key=key,
        tolerance=float(tolerance),
        rationale=rationale,
        rubric=rubric,
        objective_id=std.id,
        dok=int(dok),
        status=status,
        n_categories=n_categories_of(interaction, rubric),
    )
    session.add(row)
    session.flush()
    return row


def update_item(session: Session, item_id: str, changes: dict[str, Any]) -> Item:
    """Apply ``changes`` (field -> value) to an item; content edits bump its version."""
    row = get_item(session, item_id)
    changes = {k: v for k, v in changes.items()}
    if "objective" in changes:
        code = changes.pop("objective")
        if code is not None:
            row.objective_id = _objective(session, code, changes.pop("framework", None)).id
    changes.pop("framework", None)
    merged = {f: changes.get(f, getattr(row, f)) for f in ("choices", "key", "rubric", "dok", "status")}
    merged["choices"] = [dict(c) for c in merged["choices"] or []]
    check_content(row.interaction, merged["choices"], merged["key"], merged["rubric"], merged["dok"], merged["status"])
    content_changed = any(f in changes and changes[f] != getattr(row, f) for f in _CONTENT)
    for name, value in changes.items():
        if name == "choices":
            value = [dict(c) for c in value]
        setattr(row, name, value)
    if content_changed:
        row.version += 1
        row.n_categories = n_categories_of(row.interaction, row.rubric)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def list_items(
    session: Session,
    *,
    status: str | None = None,
    standard_id: int | None = None,
    interaction: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Item], int]:
    """A page of items in id order (under ``standard_id`` if given) and the total."""
    stmt = select(Item)
    if status:
        stmt = stmt.where(Item.status == status)
    if interaction:
        stmt = stmt.where(Item.interaction == interaction)
    if standard_id is not None:
        stmt = stmt.where(Item.objective_id.in_(descendant_ids(session, standard_id)))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(stmt.order_by(Item.id).offset(offset).limit(limit)).all()
    return list(rows), int(total)
