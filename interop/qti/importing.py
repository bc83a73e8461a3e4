"""QTI items into the bank: single item files and IMS content packages, with their media and standards.

A package is read by :mod:`interop.package` (hostile archives refused) and
its ``imsmanifest.xml`` with :mod:`interop.qti.xml`; every resource that is
an item (QTI 2.1, 2.2 or 3.0 ``assessmentItem``) or a Canvas QTI 1.2 quiz
is read, the files it refers to kept as item assets.  Without a manifest
every XML file of the package is looked at.  A single XML file is one item
(or one Canvas quiz).

Standards: an item's standard comes from the CASE identifiers in its
resource's metadata (any ``GUID`` element, such as those of the IMS
curriculum standards metadata) when one names an objective of a framework
imported from CASE; else from the ``standard_map`` (``item_identifier,
standard_code``); else from ``standard``.  An item with none is refused.

Items are matched by identifier: a new one is created as a draft, a known
one updated (its version raised when what a student sees or how it is
scored changes) or left unchanged.  An item refused (its interaction or
scoring, its standard) is listed in the report with the reason; the rest
of the package is imported in the same transaction.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
from pathlib import Path
from typing import Any

from lxml import etree
from sqlmodel import Session

from interop.csv_table import read_csv_table
from interop.errors import ImportRefused
from interop.package import Limits, Package, open_package, read_limited
from interop.qti.canvas import is_canvas, read_canvas_items
from interop.qti.model import ItemRefused, QtiItem, UsageStatistic
from interop.qti.qti2 import is_assessment_item, read_assessment_item
from interop.qti.xml import NAMESPACES, local, parse_xml
from interop.report import Action, ImportReport
from itembank.answers import validate_key
from itembank.case_records import CaseItem, canonical_identifier
from itembank.errors import NotFound
from itembank.item_assets import put_asset
from itembank.standards import find_standard
from itembank.tables import Item, ItemStatus, Standard, utcnow
from itembank.text_rules import ITEM_ID_LENGTH, ITEM_ID_PATTERN

__all__ = ["import_qti", "read_standard_map", "bank_item_id"]

_ITEM_ID = re.compile(ITEM_ID_PATTERN)
_CONTENT = ("stem", "stem_html", "interaction", "choices", "targets", "key", "tolerance", "scoring", "n_categories")


def bank_item_id(identifier: str) -> str:
    """The bank's id for a QTI identifier: itself when it fits, else a readable prefix and a hash of it."""
    if identifier and len(identifier) <= ITEM_ID_LENGTH and _ITEM_ID.match(identifier):
        return identifier
    readable = re.sub(r"[^A-Za-z0-9._:-]+", "-", identifier).strip("-")[:40] or "item"
    return f"{readable}-{hashlib.sha256(identifier.encode()).hexdigest()[:16]}"


def read_standard_map(data: bytes, file: str, report: ImportReport) -> dict[str, str]:
    """``item_identifier -> standard_code`` from a CSV with those two columns."""
    rows = read_csv_table(
        data,
        file,
        columns=("item_identifier", "standard_code"),
        required=("item_identifier", "standard_code"),
        report=report,
    )
    out: dict[str, str] = {}
    for row in rows:
        item, code = row["item_identifier"], row["standard_code"]
        if not item or not code:
            raise ImportRefused("needs an item identifier and a standard code", file=file, line=row.line)
        if item in out and out[item] != code:
            raise ImportRefused(
                f"the item {item!r} is mapped twice", file=file, line=row.line, column="item_identifier"
            )
        out[item] = code
    return out


def _version(root: etree._Element) -> str:
    namespace = etree.QName(root).namespace or ""
    return "3" if namespace == NAMESPACES["qti30"] or local(root).startswith("qti-") else "2"


def _guid_standards(metadata: etree._Element | None) -> list[str]:
    """The CASE identifiers of a resource's metadata (any ``GUID``), each followed by its label (a code) if any."""
    if metadata is None:
        return []
    out = []
    for guid in (g for g in metadata.iter() if isinstance(g.tag, str) and local(g) == "GUID" and g.text):
        out.append(guid.text.strip())
        label = next(
            (e for e in guid.itersiblings(preceding=True) if isinstance(e.tag, str) and local(e) == "label"), None
        )
        if label is not None and label.text:
            out.append("code:" + label.text.strip())
    return out


class _QtiImport:
    def __init__(
        self,
        session: Session,
        package: Package,
        report: ImportReport,
        standard: Standard | None,
        mapped: dict[str, Standard],
    ) -> None:
        self.session, self.package, self.report = session, package, report
        self.standard, self.mapped = standard, mapped
        self.files = set(package.files)
        self.seen: set[str] = set()
        self.usage: list[UsageStatistic] = []

    # ----------------------------------------------------------- reading
    def resources(self) -> list[tuple[str, list[str]]]:
        """(file, CASE identifiers of its metadata) of every item or quiz file."""
        if "imsmanifest.xml" not in self.package:
            if len(self.package.files) == 1:  # one file given: whatever its name, it is the item or quiz
                return [(name, []) for name in self.package]
            return [(name, []) for name in sorted(self.package) if name.lower().endswith(".xml")]
        manifest = parse_xml(self.package.read("imsmanifest.xml"), "imsmanifest.xml")
        out = []
        for resource in (e for e in manifest.iter() if isinstance(e.tag, str) and local(e) == "resource"):
            kind = (resource.get("type") or "").lower()
            href = resource.get("href")
            metadata = next((e for e in resource if isinstance(e.tag, str) and local(e) == "metadata"), None)
            if "usagedata" in kind and href:
                self.read_usage(posixpath.normpath(href))
                continue
            if not href or not ("qti" in kind or kind.startswith("imsqti")):
                continue
            path = posixpath.normpath(href)
            if path not in self.files:
                raise ImportRefused(
                    f"the manifest names {href}, which the package does not have", file="imsmanifest.xml"
                )
            out.append((path, _guid_standards(metadata)))
        return out

    def read_usage(self, path: str) -> None:
        if path not in self.files:
            return
        root = parse_xml(self.package.read(path), path)
        for statistic in (
            e
            for e in root.iter()
            if isinstance(e.tag, str) and local(e) in ("ordinaryStatistic", "qti-ordinary-statistic")
        ):
            target = next(
                (
                    e
                    for e in statistic.iter()
                    if isinstance(e.tag, str) and local(e) in ("targetObject", "qti-target-object")
                ),
                None,
            )
            value = next(
                (e for e in statistic.iter() if isinstance(e.tag, str) and local(e) in ("value", "qti-value")), None
            )
            if target is None or value is None:
                continue
            try:
                number = float((value.text or "").strip())
            except ValueError:
                continue
            self.usage.append(
                UsageStatistic(
                    target.get("identifier", ""), statistic.get("name", ""), number, statistic.get("context", "")
                )
            )

    def stimulus(self, path: str) -> etree._Element | None:
        """The root of a shared stimulus file of the package (None when it has no such file)."""
        return parse_xml(self.package.read(path), path) if path in self.files else None

    def items(self) -> list[tuple[str, str, QtiItem | ItemRefused, list[str]]]:
        """(file, QTI identifier, item or refusal, CASE identifiers) of every item of the package."""
        out: list[tuple[str, str, QtiItem | ItemRefused, list[str]]] = []
        for path, guids in self.resources():
            root = parse_xml(self.package.read(path), path)
            base = posixpath.dirname(path)
            if is_canvas(root):
                for ident, parsed in read_canvas_items(root, self.files, bank_item_id):
                    out.append((path, ident, parsed, guids))
            elif is_assessment_item(root):
                identifier = root.get("identifier", "")
                if not identifier:
                    raise ImportRefused("the item has no identifier", file=path)
                try:
                    parsed: QtiItem | ItemRefused = read_assessment_item(
                        root,
                        item_id=bank_item_id(identifier),
                        base=base,
                        files=self.files,
                        version=_version(root),
                        stimuli=self.stimulus,
                    )
                except ItemRefused as err:
                    parsed = err
                out.append((path, identifier, parsed, guids))
            elif local(root) in ("assessmentStimulus", "qti-assessment-stimulus"):
                continue  # a shared stimulus: read with the items that refer to it
            elif "imsmanifest.xml" in self.package:
                self.report.warn("a resource that is not a QTI item or quiz; not imported", file=path)
        if not out:
            raise ImportRefused(
                "has no QTI item (assessmentItem) or Canvas quiz (questestinterop)", file=self.package.name
            )
        return out

    # ------------------------------------------------------------ writing
    def objective(self, identifier: str, guids: list[str]) -> Standard:
        for guid in guids:
            if guid.startswith("code:"):  # the label beside a GUID: a code, taken when it names one objective
                try:
                    standard = find_standard(self.session, guid[5:])
                except NotFound:
                    continue
                if standard.level == "objective":
                    return standard
                continue
            link = self.session.get(CaseItem, canonical_identifier(guid))
            if link is not None and link.standard_id is not None:
                standard = self.session.get(Standard, link.standard_id)
                if standard is not None and standard.level == "objective":
                    return standard
        standard = self.mapped.get(identifier) or self.standard
        if standard is None:
            raise ItemRefused(
                "it names no standard masterycat knows; give --standard, or --standard-map with its identifier"
                if not guids
                else "its CASE identifiers name no objective of a framework imported from CASE; give --standard or --standard-map"
            )
        return standard

    def write(self, path: str, identifier: str, item: QtiItem, objective: Standard) -> None:
        if item.identifier in self.seen:
            raise ImportRefused(f"the item {identifier!r} appears twice in the package", file=path)
        self.seen.add(item.identifier)
        problems = validate_key(item.interaction, item.choices, item.key, item.rubric, item.targets, item.scoring)
        if problems:
            raise ItemRefused(problems[0][1])
        values: dict[str, Any] = {
            "stem": item.stem or item.title or identifier,
            "stem_html": item.stem_html,
            "interaction": item.interaction,
            "choices": item.choices,
            "targets": item.targets,
            "key": item.key,
            "tolerance": item.tolerance,
            "scoring": item.scoring,
            "n_categories": 4 if item.rubric else item.n_categories,
            "rationale": item.rationale,
            "rubric": item.rubric,
            "objective_id": objective.id,
        }
        label = f"{item.identifier}: {values['stem'][:60]}"
        row = self.session.get(Item, item.identifier)
        if row is None:
            row = Item(id=item.identifier, status=ItemStatus.draft.value, **values)
            self.session.add(row)
            self.session.flush()
            self.report.record("item", Action.created, item.identifier, label)
        else:
            changed = tuple(k for k, v in values.items() if getattr(row, k) != v)
            for k in changed:
                setattr(row, k, values[k])
            if changed:
                if set(changed) & set(_CONTENT):
                    row.version += 1
                row.updated_at = utcnow()
                self.session.add(row)
            self.report.record("item", Action.updated if changed else Action.unchanged, item.identifier, label, changed)
        for stored, source in item.assets.items():
            media_type = mimetypes.guess_type(source)[0] or "application/octet-stream"
            if put_asset(self.session, item.identifier, stored, media_type, self.package.read(source)):
                self.report.record("asset", Action.updated, f"{item.identifier}/{stored}", stored)

    def run(self) -> None:
        for path, identifier, parsed, guids in self.items():
            try:
                if isinstance(parsed, ItemRefused):
                    raise parsed
                self.write(path, identifier, parsed, self.objective(identifier, parsed.standards + guids))
            except ItemRefused as err:
                self.report.record("item", Action.refused, identifier, f"{path}: {err}")
                self.report.warn(f"item {identifier} not imported: {err}", file=path)
        self.session.flush()
        if self.usage:
            self.report.details["usage_statistics"] = len(self.usage)


def _objective(session: Session, code: str, where: str) -> Standard:
    try:
        standard = find_standard(session, code)
    except NotFound as err:
        raise ImportRefused(f"{err}", file=where) from None
    if standard.level != "objective":
        raise ImportRefused(f"{code} is a {standard.level}; items measure objectives", file=where)
    return standard


def import_qti(
    session: Session,
    source: Path | bytes,
    name: str,
    limits: Limits,
    report: ImportReport | None = None,
    *,
    standard: str | None = None,
    standard_map: bytes | None = None,
) -> ImportReport:
    """Bring QTI items into the bank through ``session`` (not committed).

    Parameters
    ----------
    session : Session
        The caller's: commit to apply, roll back for a dry run.
    source : Path or bytes
        A zip (content package or Canvas export), a folder, or one XML file.
    name : str
        Its name, for messages.
    limits : Limits
        Sizes accepted.
    standard : str, optional
        The code of the objective of items whose package names none.
    standard_map : bytes, optional
        A CSV ``item_identifier,standard_code`` (before ``standard``).

    Raises
    ------
    ImportRefused
        A hostile or malformed package or XML file, an unknown standard code.
    """
    report = report or ImportReport("qti")
    if isinstance(source, bytes):
        data = source
    elif source.is_dir():
        data = b""
    else:
        data = read_limited(source, limits)
    if isinstance(source, Path) and source.is_dir():
        package = open_package(source, limits, name)
    elif data[:2] == b"PK":
        package = open_package(data, limits, name)
    else:
        limits.check_size(len(data), name)
        package = Package(name, {name: data})
    mapped: dict[str, Standard] = {}
    if standard_map is not None:
        codes = read_standard_map(standard_map, "standard map", report)
        mapped = {item: _objective(session, code, "standard map") for item, code in codes.items()}
    fallback = _objective(session, standard, "--standard") if standard else None
    _QtiImport(session, package, report, fallback, mapped).run()
    return report
