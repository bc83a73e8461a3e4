"""A CASE CFPackage read into its document, its items and their tree.

Accepted, with a warning where it deviates: CASE 1.0 and 1.1 packages, a
package wrapped as ``{"CFPackage": {...}}``, identifiers that are not UUIDs
(early packages used ASN URLs: stored as the UUID named by them, the same
on every import), missing metadata the tree does not need (a URI, a
creator, a date), items without ``isChildOf`` (placed at the top),
associations of other types or reaching outside the document (not kept).
Refused, naming the place as a JSON path (``CFItems[3].fullStatement``):
text that is not JSON, a key given twice in an object, a missing document,
identifier or statement, an identifier used twice, an item with two
different parents in the document, parents that form a cycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from interop.errors import ImportRefused
from interop.report import ImportReport
from itembank.case_records import canonical_identifier

__all__ = ["CaseDocumentRecord", "CaseItemRecord", "CasePackage", "read_case"]

#: Association types of CASE 1.1 (others are refused as unknown).
ASSOCIATION_TYPES = (
    "isChildOf",
    "isPeerOf",
    "isPartOf",
    "exactMatchOf",
    "precedes",
    "isRelatedTo",
    "replacedBy",
    "exemplar",
    "hasSkillLevel",
    "isTranslationOf",
)


@dataclass
class CaseDocumentRecord:
    identifier: str
    original_identifier: str | None
    uri: str
    title: str
    creator: str = ""
    publisher: str = ""
    description: str = ""
    version: str = ""
    adoption_status: str = ""
    language: str = ""
    subject: list[str] = field(default_factory=list)
    official_source_url: str = ""
    case_version: str = ""
    last_change: str = ""


@dataclass
class CaseItemRecord:
    identifier: str
    original_identifier: str | None
    path: str
    uri: str
    full_statement: str
    item_type: str = ""
    human_coding_scheme: str = ""
    list_enumeration: str = ""
    abbreviated_statement: str = ""
    education_level: list[str] = field(default_factory=list)
    last_change: str = ""
    #: filled from the associations
    parent: str | None = None
    sequence: int | None = None
    children: list[str] = field(default_factory=list)
    depth: int = 0


@dataclass
class CasePackage:
    """A package's document and items (by canonical identifier, in the package's order), as a tree."""

    document: CaseDocumentRecord
    items: dict[str, CaseItemRecord]
    #: the top items (children of the document), in sequence order
    top: list[str]

    def walk(self) -> list[CaseItemRecord]:
        """Every item, parents before children, siblings in sequence order."""
        out: list[CaseItemRecord] = []
        stack = list(reversed(self.top))
        while stack:
            item = self.items[stack.pop()]
            out.append(item)
            stack.extend(reversed(item.children))
        return out


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"the key {twice[0]!r} appears twice in one object")
    return dict(pairs)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


class _Obj:
    """An object of the package with its JSON path, reading typed values or refusing them by path."""

    def __init__(self, value: Any, path: str, file: str, report: ImportReport) -> None:
        if not isinstance(value, dict):
            raise ImportRefused(f"at {path}: expected an object", file=file)
        self.value, self.path, self.file, self.report = value, path, file, report

    def refuse(self, key: str, message: str) -> ImportRefused:
        return ImportRefused(f"at {self.path}.{key}: {message}", file=self.file)

    def text(self, key: str, *, required: bool = False, limit: int | None = None) -> str:
        value = self.value.get(key)
        if value is None or value == "":
            if required:
                raise self.refuse(key, "is missing; CASE requires it")
            return ""
        if not isinstance(value, str):
            raise self.refuse(key, f"expected text, got {type(value).__name__}")
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
            raise self.refuse(key, "holds control characters")
        if limit is not None and len(value) > limit:
            raise self.refuse(key, f"is {len(value)} characters long; at most {limit} are kept")
        return value

    def texts(self, key: str) -> list[str]:
        value = self.value.get(key)
        if value is None:
            return []
        if isinstance(value, str):  # some early packages give one string where CASE has a list
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.refuse(key, "expected a list of text")
        return value

    def integer(self, key: str) -> int | None:
        value = self.value.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.refuse(key, "expected an integer")
        try:
            return int(value)
        except ValueError:
            raise self.refuse(key, f"{value!r} is not an integer") from None

    def link(self, key: str) -> str:
        """The identifier a LinkURI / LinkGenURI names (early packages: the URI alone, or a plain string)."""
        value = self.value.get(key)
        if isinstance(value, str) and value:
            return value
        if not isinstance(value, dict):
            raise self.refuse(key, "is missing; CASE requires the node it links")
        node = _Obj(value, f"{self.path}.{key}", self.file, self.report)
        identifier = node.text("identifier") or node.text("uri")
        if not identifier:
            raise node.refuse("identifier", "is missing; CASE requires it")
        return identifier


def _identifier(obj: _Obj, report: ImportReport) -> tuple[str, str | None]:
    raw = obj.text("identifier", required=True, limit=500)
    canonical = canonical_identifier(raw)
    if canonical != raw.lower():
        report.warn(
            "identifiers that are not UUIDs (an early CASE package); each is kept as the UUID named by it",
            file=obj.file,
        )
        return canonical, raw
    return canonical, None


def _uri(obj: _Obj, identifier: str, report: ImportReport) -> str:
    uri = obj.text("uri", limit=500)
    if not uri:
        report.warn("nodes without a uri; urn:uuid:<identifier> is used", file=obj.file, column=obj.path.split("[")[0])
        return f"urn:uuid:{identifier}"
    return uri


def _load(data: bytes, file: str, report: ImportReport) -> dict[str, Any]:
    if data.startswith(b"\xef\xbb\xbf"):
        report.warn("starts with a UTF-8 byte-order mark; ignored", file=file)
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ImportRefused(f"is not UTF-8 text (byte {err.start})", file=file) from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise ImportRefused(f"is not JSON: {err.msg}", file=file, line=err.lineno, column=str(err.colno)) from None
    except ValueError as err:
        raise ImportRefused(f"is not a CASE package: {err}", file=file) from None
    except RecursionError:
        raise ImportRefused("is nested too deeply to be a CASE package", file=file) from None
    if isinstance(value, dict) and set(value) == {"CFPackage"}:
        report.warn("the package is wrapped in a CFPackage key; read from inside it", file=file)
        value = value["CFPackage"]
    if not isinstance(value, dict) or "CFDocument" not in value:
        raise ImportRefused("is not a CASE package: it has no CFDocument", file=file)
    return value


def read_case(data: bytes, file: str, report: ImportReport) -> CasePackage:
    """The document, items and tree of a CASE 1.0 or 1.1 CFPackage.

    Parameters
    ----------
    data : bytes
        The JSON file.
    file : str
        Its name, for messages.
    report : ImportReport
        Receives the warnings and the CASE version in ``details``.

    Raises
    ------
    ImportRefused
        See the module's description.
    """
    package = _load(data, file, report)
    doc = _Obj(package["CFDocument"], "CFDocument", file, report)
    doc_id, doc_original = _identifier(doc, report)
    version = doc.text("caseVersion") or ("1.1" if "frameworkType" in doc.value else "1.0")
    document = CaseDocumentRecord(
        identifier=doc_id,
        original_identifier=doc_original,
        uri=_uri(doc, doc_id, report),
        title=doc.text("title", required=True, limit=500),
        creator=doc.text("creator", limit=200),
        publisher=doc.text("publisher", limit=200),
        description=doc.text("description"),
        version=doc.text("version", limit=64),
        adoption_status=doc.text("adoptionStatus", limit=64),
        language=doc.text("language", limit=16),
        subject=doc.texts("subject"),
        official_source_url=doc.text("officialSourceURL", limit=500),
        case_version=version[:8],
        last_change=doc.text("lastChangeDateTime", limit=40),
    )
    report.details.update({"case_version": version, "document": document.title})
    raw_items = package.get("CFItems", [])
    if not isinstance(raw_items, list):
        raise ImportRefused("at CFItems: expected a list", file=file)
    items: dict[str, CaseItemRecord] = {}
    for n, raw in enumerate(raw_items):
        obj = _Obj(raw, f"CFItems[{n}]", file, report)
        identifier, original = _identifier(obj, report)
        if identifier in items or identifier == doc_id:
            raise obj.refuse("identifier", f"{obj.value['identifier']!r} identifies another node too")
        items[identifier] = CaseItemRecord(
            identifier=identifier,
            original_identifier=original,
            path=obj.path,
            uri=_uri(obj, identifier, report),
            full_statement=obj.text("fullStatement", required=True),
            item_type=obj.text("CFItemType", limit=200),
            human_coding_scheme=obj.text("humanCodingScheme", limit=200),
            list_enumeration=obj.text("listEnumeration", limit=64),
            abbreviated_statement=obj.text("abbreviatedStatement", limit=500),
            education_level=obj.texts("educationLevel"),
            last_change=obj.text("lastChangeDateTime", limit=40),
        )
    top = _tree(package, items, doc_id, file, report)
    return CasePackage(document, items, top)


def _tree(
    package: dict[str, Any], items: dict[str, CaseItemRecord], doc_id: str, file: str, report: ImportReport
) -> list[str]:
    """Parents from the ``isChildOf`` associations; the top items' identifiers in sequence order."""
    raw = package.get("CFAssociations", [])
    if not isinstance(raw, list):
        raise ImportRefused("at CFAssociations: expected a list", file=file)
    parent_path: dict[str, str] = {}
    for n, value in enumerate(raw):
        obj = _Obj(value, f"CFAssociations[{n}]", file, report)
        kind = obj.text("associationType", required=True)
        if kind not in ASSOCIATION_TYPES:
            raise obj.refuse("associationType", f"{kind!r} is not a CASE association type")
        if kind != "isChildOf":
            report.warn(f"{kind} associations are not kept", file=file, column="CFAssociations")
            continue
        child = canonical_identifier(obj.link("originNodeURI"))
        parent = canonical_identifier(obj.link("destinationNodeURI"))
        if child not in items:
            report.warn(
                "isChildOf associations of nodes outside the document are not kept", file=file, column="CFAssociations"
            )
            continue
        item = items[child]
        if parent != doc_id and parent not in items:
            report.warn(
                "isChildOf associations to a parent outside the document: the item is placed at the top",
                file=file,
                column="CFAssociations",
            )
            parent = doc_id
        if item.parent is not None and item.parent != parent:
            raise ImportRefused(
                f"at {obj.path}: {item.path} ({item.human_coding_scheme or item.identifier}) has two parents in the "
                f"document (also at {parent_path[child]}); masterycat's standards form a tree",
                file=file,
            )
        item.parent, parent_path[child] = parent, obj.path
        sequence = obj.integer("sequenceNumber")
        if sequence is not None:
            item.sequence = sequence
    for item in items.values():
        if item.parent is None:
            report.warn("items without an isChildOf association are placed at the top", file=file, column="CFItems")
            item.parent = doc_id
    order = {identifier: n for n, identifier in enumerate(items)}
    top = []
    for item in items.values():
        if item.parent == doc_id:
            top.append(item.identifier)
        else:
            items[item.parent].children.append(item.identifier)

    def key(identifier: str) -> tuple[int, int]:
        sequence = items[identifier].sequence
        return (sequence if sequence is not None else 1 << 30, order[identifier])

    top.sort(key=key)
    for item in items.values():
        item.children.sort(key=key)
    # depth from the top; a node never reached from the top sits on a cycle
    stack = [(identifier, 1) for identifier in top]
    while stack:
        identifier, depth = stack.pop()
        items[identifier].depth = depth
        stack.extend((child, depth + 1) for child in items[identifier].children)
    for item in items.values():
        if item.depth == 0:
            raise ImportRefused(
                f"at {item.path}: its isChildOf associations form a cycle (the item is its own ancestor)", file=file
            )
    return top
