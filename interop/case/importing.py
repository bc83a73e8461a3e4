"""A CASE package written into the standards: created, updated and retired by CASE identifier.

The framework's name in masterycat is the ``framework`` option, else the
one the document was imported under before, else the document's title (at
most 64 characters).  Each item placed as a standard
(:mod:`interop.case.levels`) is matched by its identifier, else (the first
time) by its code in the framework, so a framework made by hand, or
exported by masterycat, is adopted rather than doubled.  The human coding
scheme is the code (an item without one takes the last part of an ASN URL
identifier, or the identifier), the full statement the title (the
abbreviated statement when the full one is longer than a title) and the
description (when it says more than the title), followed by the statements
of the components folded into it.

An item the document no longer has is retired with its standard; items
aligned to a retired standard keep their alignment.  A standard with items
whose level would change is refused: its items measure an objective.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from interop.case.levels import Placement, place_items
from interop.case.reading import CaseItemRecord, CasePackage, read_case
from interop.errors import ImportRefused
from interop.report import Action, ImportReport
from itembank.case_records import CaseDocument, CaseItem, CaseRole
from itembank.tables import Item, Standard, utcnow

__all__ = ["import_case", "standard_code"]

TITLE_LENGTH = 500
CODE_LENGTH = 64


def standard_code(item: CaseItemRecord) -> str:
    """The code of the standard an item becomes."""
    if item.human_coding_scheme:
        return item.human_coding_scheme
    original = item.original_identifier or ""
    tail = original.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail and len(tail) <= CODE_LENGTH else item.identifier


def _title(item: CaseItemRecord) -> str:
    if len(item.full_statement) <= TITLE_LENGTH:
        return item.full_statement
    if item.abbreviated_statement:
        return item.abbreviated_statement
    return item.full_statement[: TITLE_LENGTH - 1] + "…"


class _CaseImport:
    def __init__(self, session: Session, package: CasePackage, file: str, report: ImportReport) -> None:
        self.session, self.package, self.file, self.report = session, package, file, report

    def framework(self, requested: str | None) -> CaseDocument:
        doc = self.package.document
        row = self.session.get(CaseDocument, doc.identifier)
        framework = requested or (row.framework if row else doc.title[:CODE_LENGTH].strip())
        if len(framework) > CODE_LENGTH:
            raise ImportRefused(f"the framework name is longer than {CODE_LENGTH} characters", file=self.file)
        other = self.session.exec(select(CaseDocument).where(CaseDocument.framework == framework)).first()
        if other is not None and other.identifier != doc.identifier:
            raise ImportRefused(
                f"the framework {framework!r} was imported from another CASE document ({other.title}); "
                "name another framework",
                file=self.file,
            )
        values = {
            "original_identifier": doc.original_identifier,
            "framework": framework,
            "uri": doc.uri,
            "title": doc.title,
            "creator": doc.creator,
            "publisher": doc.publisher,
            "description": doc.description,
            "version": doc.version,
            "adoption_status": doc.adoption_status,
            "language": doc.language,
            "subject": doc.subject,
            "official_source_url": doc.official_source_url,
            "case_version": doc.case_version,
            "last_change": doc.last_change,
        }
        if row is None:
            row = CaseDocument(identifier=doc.identifier, **values)
            self.report.record("framework", Action.created, doc.identifier, f"{framework}: {doc.title}")
        else:
            changed = tuple(k for k, v in values.items() if getattr(row, k) != v)
            for k in changed:
                setattr(row, k, values[k])
            if changed:
                row.updated_at = utcnow()
            self.report.record(
                "framework",
                Action.updated if changed else Action.unchanged,
                doc.identifier,
                f"{framework}: {doc.title}",
                changed,
            )
        self.session.add(row)
        self.session.flush()
        return row

    def run(self, document: CaseDocument, placements: dict[str, Placement]) -> None:
        framework = document.framework
        known = {
            row.identifier: row
            for row in self.session.exec(
                select(CaseItem).where(CaseItem.document_identifier == document.identifier)
            ).all()
        }
        by_code = {
            row.code: row for row in self.session.exec(select(Standard).where(Standard.framework == framework)).all()
        }
        standards: dict[str, Standard] = {}
        folded_text: dict[str, list[str]] = {}
        for item in self.package.walk():
            placement = placements[item.identifier]
            if placement.role == CaseRole.folded and placement.objective is not None:
                label = standard_code(item) if item.human_coding_scheme else item.list_enumeration
                folded_text.setdefault(placement.objective, []).append(
                    f"{label}: {item.full_statement}" if label else item.full_statement
                )
        seen_codes: dict[str, str] = {}
        for item in self.package.walk():
            placement = placements[item.identifier]
            if placement.role != CaseRole.standard:
                continue
            code = standard_code(item)
            if len(code) > CODE_LENGTH:
                raise ImportRefused(
                    f"at {item.path}.humanCodingScheme: longer than {CODE_LENGTH} characters", file=self.file
                )
            if code in seen_codes:
                raise ImportRefused(
                    f"at {item.path}.humanCodingScheme: the code {code!r} is also the code of {seen_codes[code]}",
                    file=self.file,
                )
            seen_codes[code] = item.path
            link = known.get(item.identifier)
            row = self.session.get(Standard, link.standard_id) if link and link.standard_id else by_code.get(code)
            parent = (
                standards[placement_parent(self.package, placements, item)] if placement.level != "competency" else None
            )
            title = _title(item)
            statement = item.full_statement if item.full_statement != title else ""
            description = "\n".join(line for line in [statement, *folded_text.get(item.identifier, [])] if line)
            values = {
                "code": code,
                "title": title,
                "description": description,
                "level": placement.level,
                "parent_id": None if parent is None else parent.id,
                "retired": False,
            }
            label = f"{code}: {title[:80]}"
            if row is None:
                row = Standard(framework=framework, **values)
                self.report.record("standard", Action.created, item.identifier, label)
            else:
                changed = tuple(k for k, v in values.items() if getattr(row, k) != v)
                if "level" in changed and self._has_items(row):
                    raise ImportRefused(
                        f"at {item.path}: {row.code} would become a {placement.level}, but items measure it as a "
                        f"{row.level}",
                        file=self.file,
                    )
                for k in changed:
                    setattr(row, k, values[k])
                self.report.record(
                    "standard", Action.updated if changed else Action.unchanged, item.identifier, label, changed
                )
            self.session.add(row)
            self.session.flush()
            by_code[code] = standards[item.identifier] = row
        for item in self.package.walk():
            placement = placements[item.identifier]
            standard = standards.get(item.identifier) or standards.get(placement.objective or "")
            self._case_item(document, item, placement, standard, known.get(item.identifier))
        listed = set(self.package.items)
        for identifier, row in known.items():
            if identifier in listed or row.retired:
                continue
            row.retired = True
            row.updated_at = utcnow()
            self.session.add(row)
            if row.role == CaseRole.standard.value and row.standard_id is not None:
                self._retire_standard(identifier, row.standard_id)
            else:
                self.report.record(
                    f"case {row.role}", Action.retired, identifier, row.human_coding_scheme or identifier
                )
        self.session.flush()

    def _retire_standard(self, identifier: str, standard_id: int) -> None:
        standard = self.session.get(Standard, standard_id)
        if standard is None or standard.retired:
            return
        standard.retired = True
        self.session.add(standard)
        self.report.record("standard", Action.retired, identifier, f"{standard.code}: {standard.title[:80]}")

    def _has_items(self, standard: Standard) -> bool:
        return bool(
            self.session.exec(select(func.count()).select_from(Item).where(Item.objective_id == standard.id)).one()
        )

    def _case_item(
        self,
        document: CaseDocument,
        item: CaseItemRecord,
        placement: Placement,
        standard: Standard | None,
        row: CaseItem | None,
    ) -> None:
        values = {
            "original_identifier": item.original_identifier,
            "document_identifier": document.identifier,
            "role": placement.role.value,
            "standard_id": None if standard is None else standard.id,
            "parent_identifier": None if item.parent == self.package.document.identifier else item.parent,
            "uri": item.uri,
            "item_type": item.item_type,
            "human_coding_scheme": item.human_coding_scheme,
            "list_enumeration": item.list_enumeration,
            "full_statement": item.full_statement,
            "abbreviated_statement": item.abbreviated_statement,
            "sequence": item.sequence,
            "education_level": item.education_level,
            "last_change": item.last_change,
            "retired": False,
        }
        kind = f"case {placement.role.value}"
        if row is None:
            self.session.add(CaseItem(identifier=item.identifier, **values))
            if placement.role != CaseRole.standard:
                self.report.record(kind, Action.created, item.identifier, item.human_coding_scheme or item.identifier)
            return
        if row.role == CaseRole.standard.value and placement.role != CaseRole.standard and row.standard_id is not None:
            self._retire_standard(row.identifier, row.standard_id)  # it is now a container or a component
        changed = tuple(k for k, v in values.items() if getattr(row, k) != v)
        for k in changed:
            setattr(row, k, values[k])
        if changed:
            row.updated_at = utcnow()
            self.session.add(row)
        if placement.role != CaseRole.standard:
            self.report.record(
                kind,
                Action.updated if changed else Action.unchanged,
                item.identifier,
                item.human_coding_scheme or item.identifier,
                changed,
            )


def placement_parent(package: CasePackage, placements: dict[str, Placement], item: CaseItemRecord) -> str:
    """The identifier of the standard one level above a standard item."""
    parent = item.parent or ""
    while placements.get(parent, Placement(CaseRole.standard)).role != CaseRole.standard:
        parent = package.items[parent].parent or ""
    return parent


def import_case(
    session: Session,
    data: bytes,
    file: str,
    report: ImportReport | None = None,
    *,
    framework: str | None = None,
    item_types: tuple[str, str, str] | None = None,
    objective_depth: int | None = None,
) -> ImportReport:
    """Bring a framework in line with a CASE package, through ``session`` (not committed).

    Parameters
    ----------
    session : Session
        The caller's: commit it to apply, roll it back for a dry run.
    data : bytes
        The CFPackage JSON.
    file : str
        Its name, for messages.
    report : ImportReport, optional
        Where to note what was done.
    framework : str, optional
        The framework's name in masterycat (default: as imported before, else the document's title).
    item_types : (str, str, str), optional
        The CFItemTypes of competencies, indicators and objectives; default: placed by depth.
    objective_depth : int, optional
        With placement by depth: the depth of the objectives (default: the shallowest leaf's).

    Returns
    -------
    ImportReport

    Raises
    ------
    ImportRefused
        A package refused (:mod:`interop.case.reading`, :mod:`interop.case.levels`) or one that contradicts
        the framework stored (codes used twice, a level change of a standard with items).
    """
    report = report or ImportReport("case")
    package = read_case(data, file, report)
    placements = place_items(package, file, item_types=item_types, objective_depth=objective_depth)
    run = _CaseImport(session, package, file, report)
    try:
        document = run.framework(framework)
        run.run(document, placements)
    except IntegrityError as err:
        raise ImportRefused(f"the package contradicts the framework stored: {err.orig}", file=file) from None
    return report
