"""What an import did, or would do: records created, updated, retired and unchanged, and warnings.

The same report comes back from a dry run (the import rolled back) and from
an applied import, so what the admin saw is what is applied.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from interop.errors import location

__all__ = ["Action", "Change", "ImportWarning", "ImportReport"]

#: How many lines a grouped warning lists before it only counts them.
LINES_SHOWN = 10


class Action:
    """What happens to a record."""

    created = "created"
    updated = "updated"
    retired = "retired"
    unchanged = "unchanged"
    #: one record of a file that is otherwise imported (an item the bank cannot score as written)
    refused = "refused"

    ALL = (created, updated, retired, unchanged, refused)


@dataclass(frozen=True)
class Change:
    """One record's fate: its kind (``school``, ``student``...), action, roster id, name and the fields changed."""

    kind: str
    action: str
    key: str
    label: str
    fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "action": self.action, "key": self.key, "label": self.label, "fields": self.fields}


@dataclass
class ImportWarning:
    """Something accepted although it deviates from the specification; identical ones are grouped."""

    file: str | None
    column: str | None
    message: str
    lines: list[int] = field(default_factory=list)
    count: int = 0

    def text(self) -> str:
        """``users.csv, column ext_x (lines 2, 3 and 5 more): message``."""
        where = location(self.file, None, self.column)
        if self.lines:
            shown = ", ".join(str(n) for n in self.lines[:LINES_SHOWN])
            more = f" and {self.count - LINES_SHOWN} more" if self.count > LINES_SHOWN else ""
            where += f" ({'line' if self.count == 1 else 'lines'} {shown}{more})"
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "column": self.column,
            "lines": self.lines[:LINES_SHOWN],
            "count": self.count,
            "message": self.message,
            "text": self.text(),
        }


@dataclass
class ImportReport:
    """The outcome of one import.

    Attributes
    ----------
    format : str
        ``oneroster``, ``case`` or ``qti``.
    dry_run : bool
        True when nothing was (or will be) written.
    changes : list of Change
        Every record the import touched or found unchanged, in the order met.
    warnings : list of ImportWarning
        Deviations accepted, grouped by file, column and message.
    details : dict
        Format-specific facts (the OneRoster version and mode of each file...).
    """

    format: str
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def record(self, kind: str, action: str, key: str, label: str, fields: tuple[str, ...] = ()) -> None:
        """Note a record's fate."""
        self.changes.append(Change(kind, action, key, label, fields))

    def warn(
        self, message: str, *, file: str | None = None, line: int | None = None, column: str | None = None
    ) -> None:
        """Note an accepted deviation; the same message for the same file and column is grouped."""
        for existing in self.warnings:
            if (existing.file, existing.column, existing.message) == (file, column, message):
                break
        else:
            existing = ImportWarning(file, column, message)
            self.warnings.append(existing)
        existing.count += 1
        if line is not None and len(existing.lines) < LINES_SHOWN:
            existing.lines.append(line)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {action: n}}`` for every kind met, every action present (zeros included)."""
        tally = Counter((c.kind, c.action) for c in self.changes)
        kinds = list(dict.fromkeys(c.kind for c in self.changes))
        return {kind: {action: tally[kind, action] for action in Action.ALL} for kind in kinds}

    def changed(self) -> bool:
        """Whether anything was (or would be) created, updated or retired."""
        return any(c.action != Action.unchanged for c in self.changes)

    def to_dict(self, max_changes: int | None = None) -> dict[str, Any]:
        """The report as JSON; ``max_changes`` keeps only the first changes other than ``unchanged``."""
        listed = [c for c in self.changes if c.action != Action.unchanged]
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "changed": self.changed(),
            "counts": self.counts(),
            "changes": [c.to_dict() for c in listed[:max_changes]],
            "changes_omitted": max(0, len(listed) - max_changes) if max_changes is not None else 0,
            "warnings": [w.to_dict() for w in self.warnings],
            "details": self.details,
        }
