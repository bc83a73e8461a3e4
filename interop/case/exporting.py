"""A framework as a CASE 1.1 CFPackage that another CASE consumer reads.

A framework imported from CASE is given back with the publisher's
identifiers, URIs, types and statements, containers and folded components
included (:mod:`itembank.case_records`); standards made in masterycat get
name-based UUIDs (RFC 4122, from ``urn:masterycat:<framework>:<code>``), the
same on every export, so importing an export back adopts the same
standards.  Retired standards are left out.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from itembank.case_records import CaseDocument, CaseItem, CaseRole
from itembank.errors import NotFound
from itembank.tables import Standard

__all__ = ["export_case", "standard_identifier"]

_LEVEL_TYPES = {"competency": "Competency", "indicator": "Indicator", "objective": "Objective"}


def standard_identifier(framework: str, code: str) -> str:
    """The identifier masterycat gives a standard it did not import from CASE."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:masterycat:{framework}:{code}"))


def _stamp(value: datetime | None) -> str:
    moment = (value or datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def _stamp_text(text: str, fallback: datetime | None) -> str:
    """A stored CASE date and time in the form CASE 1.1 writes (UTC, ``Z``); the fallback's when unreadable."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return _stamp(fallback)
    return _stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _link(title: str, identifier: str, uri: str) -> dict[str, str]:
    return {"title": title, "identifier": identifier, "uri": uri}


def _optional(entry: dict[str, Any], **values: Any) -> dict[str, Any]:
    entry.update({k: v for k, v in values.items() if v not in ("", None, [])})
    return entry


def export_case(session: Session, framework: str) -> dict[str, Any]:
    """The CASE 1.1 CFPackage (as JSON-ready data) of ``framework``.

    Raises
    ------
    NotFound
        No standard in the framework.
    """
    standards = session.exec(
        select(Standard).where(Standard.framework == framework, Standard.retired == False)  # noqa: E712
    ).all()
    if not standards:
        raise NotFound(f"no standards in framework {framework}")
    document = session.exec(select(CaseDocument).where(CaseDocument.framework == framework)).first()
    case_items = (
        session.exec(
            select(CaseItem).where(CaseItem.document_identifier == document.identifier, CaseItem.retired == False)  # noqa: E712
        ).all()
        if document
        else []
    )
    newest = max(s.created_at for s in standards)
    if document is None:
        doc_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:masterycat:{framework}"))
        doc: dict[str, Any] = {
            "identifier": doc_id,
            "uri": f"urn:uuid:{doc_id}",
            "creator": "masterycat",
            "title": framework,
            "lastChangeDateTime": _stamp(newest),
        }
    else:
        doc_id = document.identifier
        doc = _optional(
            {
                "identifier": doc_id,
                "uri": document.uri,
                "creator": document.creator or "masterycat",
                "title": document.title,
                "lastChangeDateTime": _stamp_text(document.last_change, document.updated_at),
            },
            publisher=document.publisher,
            description=document.description,
            version=document.version,
            adoptionStatus=document.adoption_status,
            language=document.language,
            subject=document.subject,
            officialSourceURL=document.official_source_url,
        )
    doc["caseVersion"] = "1.1"
    doc_link = _link(doc["title"], doc_id, doc["uri"])

    linked = {c.standard_id: c for c in case_items if c.role == CaseRole.standard.value and c.standard_id is not None}
    by_id = {s.id: s for s in standards}
    items: list[dict[str, Any]] = []
    nodes: dict[str, dict[str, str]] = {}  # identifier -> link of every item exported
    parents: list[tuple[str, str | None, int | None]] = []
    for c in case_items:
        if c.role == CaseRole.standard.value and c.standard_id not in by_id:
            continue  # its standard was retired by hand
        standard = by_id.get(c.standard_id) if c.role == CaseRole.standard.value else None
        entry = _optional(
            {
                "identifier": c.identifier,
                "uri": c.uri,
                "fullStatement": c.full_statement,
                "lastChangeDateTime": _stamp_text(c.last_change, c.updated_at),
            },
            humanCodingScheme=standard.code if standard else c.human_coding_scheme,
            CFItemType=c.item_type,
            listEnumeration=c.list_enumeration,
            abbreviatedStatement=c.abbreviated_statement,
            educationLevel=c.education_level,
        )
        items.append(entry)
        nodes[c.identifier] = _link(entry["fullStatement"][:200], c.identifier, c.uri)
        parents.append((c.identifier, c.parent_identifier, c.sequence))
    for standard in sorted(standards, key=lambda s: s.code):
        if standard.id in linked:
            continue
        identifier = standard_identifier(framework, standard.code)
        uri = f"urn:uuid:{identifier}"
        items.append(
            {
                "identifier": identifier,
                "uri": uri,
                "fullStatement": standard.description or standard.title,
                "humanCodingScheme": standard.code,
                "CFItemType": _LEVEL_TYPES.get(standard.level, standard.level),
                "lastChangeDateTime": _stamp(standard.created_at),
            }
        )
        nodes[identifier] = _link(standard.title[:200], identifier, uri)
        parent = by_id.get(standard.parent_id) if standard.parent_id else None
        parent_id = None
        if parent is not None:
            parent_id = (
                linked[parent.id].identifier if parent.id in linked else standard_identifier(framework, parent.code)
            )
        parents.append((identifier, parent_id, None))
    associations = []
    for child, parent_id, sequence in parents:
        target = nodes.get(parent_id or "", doc_link)
        association = {
            "identifier": str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"urn:masterycat:isChildOf:{child}:{target['identifier']}")
            ),
            "associationType": "isChildOf",
            "CFDocumentURI": doc_link,
            "uri": f"urn:uuid:{child}:isChildOf",
            "originNodeURI": nodes[child],
            "destinationNodeURI": target,
            "lastChangeDateTime": doc["lastChangeDateTime"],
        }
        association["uri"] = f"urn:uuid:{association['identifier']}"
        if sequence is not None:
            association["sequenceNumber"] = sequence
        associations.append(association)
    return {"CFDocument": doc, "CFItems": items, "CFAssociations": associations}
