"""A CASE tree of any depth onto masterycat's three levels: competency > indicator > objective.

CASE frameworks have as many levels as their authors chose: the Common Core
mathematics standards go grade > domain > cluster > standard > component,
five deep.  Items attach to objectives, the third level, so each CASE item
becomes one of:

* a **standard** at one of the three levels;
* a **container** above the competencies (a grade): kept in the CASE
  records, no standard;
* **folded** below the objectives (a component ``7.RP.A.2a``): kept in the
  CASE records, its statement added to its objective's description, and an
  item aligned to it aligned to that objective.

By depth (the default)
    The objectives are the items at ``objective_depth``, by default the
    depth of the shallowest leaf (the first level where a branch ends); the
    indicators one level up, the competencies two.  A tree whose shallowest
    leaf is above depth 3 cannot give every objective an indicator and a
    competency, and is refused; so is a leaf above ``objective_depth``.
By CFItemType
    ``item_types`` names the type of each level (``("Domain", "Cluster",
    "Standard")``): items of those types are those standards, items of other
    types above them containers, below an objective folded into it.
    Refused: an item of another type between two levels, a standard whose
    parent is not one level up, a leaf that is a container.
"""

from __future__ import annotations

from dataclasses import dataclass

from interop.case.reading import CaseItemRecord, CasePackage
from interop.errors import ImportRefused
from itembank.case_records import CaseRole
from itembank.standards import LEVELS

__all__ = ["Placement", "place_items"]


@dataclass(frozen=True)
class Placement:
    """Where an item goes: its role, its level (a standard's), the item it folds into (a folded item's)."""

    role: CaseRole
    level: str | None = None
    objective: str | None = None


def _refuse(file: str, item: CaseItemRecord, message: str) -> ImportRefused:
    label = item.human_coding_scheme or item.identifier
    return ImportRefused(f"at {item.path} ({label}): {message}", file=file)


def _by_depth(package: CasePackage, file: str, objective_depth: int | None) -> dict[str, Placement]:
    leaves = [item for item in package.items.values() if not item.children]
    if not leaves:
        return {}
    depth = objective_depth or min(item.depth for item in leaves)
    shallow = min(leaves, key=lambda item: item.depth)
    if depth < 3:
        raise _refuse(
            file,
            shallow,
            f"a branch of the framework ends at depth {depth}; masterycat's standards have three levels "
            "(competency > indicator > objective), so every branch needs at least three",
        )
    if shallow.depth < depth:
        raise _refuse(
            file,
            shallow,
            f"ends at depth {shallow.depth}, above the objectives (depth {depth}); it could not be an objective",
        )
    placements: dict[str, Placement] = {}
    for item in package.walk():
        if item.depth < depth - 2:
            placements[item.identifier] = Placement(CaseRole.container)
        elif item.depth <= depth:
            placements[item.identifier] = Placement(CaseRole.standard, LEVELS[item.depth - depth + 2])
        else:
            parent = placements[item.parent or ""]
            placements[item.identifier] = Placement(CaseRole.folded, objective=parent.objective or item.parent)
    return placements


def _by_type(package: CasePackage, file: str, item_types: tuple[str, str, str]) -> dict[str, Placement]:
    level_of = {t.casefold(): level for t, level in zip(item_types, LEVELS)}
    placements: dict[str, Placement] = {}
    for item in package.walk():
        parent = placements.get(item.parent or "")
        level = level_of.get(item.item_type.casefold())
        above = parent.level if parent is not None and parent.role == CaseRole.standard else None
        if parent is not None and parent.role == CaseRole.folded:
            placements[item.identifier] = Placement(CaseRole.folded, objective=parent.objective)
        elif level is None:
            if above == "objective":
                placements[item.identifier] = Placement(CaseRole.folded, objective=item.parent)
            elif above is None:
                placements[item.identifier] = Placement(CaseRole.container)
            else:
                raise _refuse(
                    file,
                    item,
                    f"an item of type {item.item_type or '(none)'} below a {above}: not a level of {item_types}",
                )
        else:
            expected = None if level == LEVELS[0] else LEVELS[LEVELS.index(level) - 1]
            if above != expected:
                raise _refuse(
                    file,
                    item,
                    f"a {level} (type {item.item_type}) whose parent is "
                    + (f"a {above}" if above else "not a standard")
                    + (f"; a {level} belongs under a {expected}" if expected else "; a competency is at the top"),
                )
            placements[item.identifier] = Placement(CaseRole.standard, level)
    for item in package.items.values():
        if not item.children and placements[item.identifier].role == CaseRole.container:
            raise _refuse(file, item, f"a leaf of type {item.item_type or '(none)'}, none of {', '.join(item_types)}")
    return placements


def place_items(
    package: CasePackage,
    file: str,
    *,
    item_types: tuple[str, str, str] | None = None,
    objective_depth: int | None = None,
) -> dict[str, Placement]:
    """Each item's placement, by CFItemType if ``item_types`` is given, else by depth.

    Raises
    ------
    ImportRefused
        A tree that cannot be placed (see the module's description).
    """
    if item_types is not None:
        return _by_type(package, file, item_types)
    return _by_depth(package, file, objective_depth)
