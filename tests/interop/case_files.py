"""CASE packages written for the tests from the CASE 1.0 and 1.1 specifications (no published framework copied).

:func:`framework` is a five-level framework shaped like a K-12 mathematics
framework: grade > domain > cluster > standard > component (components
under one standard only), in CASE 1.1, or in CASE 1.0 with ASN-style URLs as
identifiers as early packages had.
"""

from __future__ import annotations

import json
import uuid

NS = uuid.UUID("6f1e0d1c-5b4a-4c3d-9e8f-7a6b5c4d3e2f")
STAMP = "2025-06-01T12:00:00Z"

#: (code, type, statement, parent code); the grade's parent is the document
TREE = [
    ("G7", "Grade Level", "Grade 7", None),
    ("7.RP", "Domain", "Ratios and Proportional Relationships", "G7"),
    ("7.RP.A", "Cluster", "Analyze proportional relationships and use them to solve problems.", "7.RP"),
    ("7.RP.A.1", "Standard", "Compute unit rates associated with ratios of fractions.", "7.RP.A"),
    ("7.RP.A.2", "Standard", "Recognize and represent proportional relationships between quantities.", "7.RP.A"),
    ("7.RP.A.2a", "Component", "Decide whether two quantities are in a proportional relationship.", "7.RP.A.2"),
    ("7.RP.A.2b", "Component", "Identify the constant of proportionality in tables, graphs and equations.", "7.RP.A.2"),
    ("7.EE", "Domain", "Expressions and Equations", "G7"),
    ("7.EE.B", "Cluster", "Solve real-life problems using numerical and algebraic expressions.", "7.EE"),
    ("7.EE.B.3", "Standard", "Solve multi-step real-life problems with rational numbers.", "7.EE.B"),
    ("7.EE.B.4", "Standard", "Use variables to represent quantities and construct simple equations.", "7.EE.B"),
]


def _id(code: str, version: str) -> str:
    if version == "1.0-asn":
        return f"http://asn.example.org/resources/S{abs(hash_code(code)) % 10**7:07d}"
    return str(uuid.uuid5(NS, code))


def hash_code(code: str) -> int:
    """A stable number from a code (Python's hash() is salted per process)."""
    return int(uuid.uuid5(NS, "asn:" + code).int % 10**9)


def framework(version: str = "1.1", tree=TREE) -> dict:
    """The package as data; ``version`` is ``1.1``, ``1.0`` or ``1.0-asn`` (ASN URLs as identifiers)."""
    doc_id = _id("document", version)
    doc = {
        "identifier": doc_id,
        "uri": f"https://case.example.org/uri/{doc_id}" if version != "1.0-asn" else doc_id,
        "creator": "Test State Department of Education",
        "title": "Test State Mathematics Standards",
        "lastChangeDateTime": STAMP,
        "publisher": "Test State",
        "version": "2025",
        "adoptionStatus": "Adopted",
        "language": "en",
        "subject": ["Mathematics"],
    }
    if version == "1.1":
        doc["caseVersion"] = "1.1"
        doc["frameworkType"] = "State Standards"
    else:
        doc["CFPackageURI"] = {"title": doc["title"], "identifier": doc_id, "uri": doc["uri"]}
    doc_link = {"title": doc["title"], "identifier": doc_id, "uri": doc["uri"]}
    items, associations = [], []
    links = {}
    for n, (code, kind, statement, parent) in enumerate(tree):
        identifier = _id(code, version)
        uri = f"https://case.example.org/uri/{identifier}" if version != "1.0-asn" else identifier
        item = {
            "identifier": identifier,
            "uri": uri,
            "fullStatement": statement,
            "humanCodingScheme": code,
            "CFItemType": kind,
            "educationLevel": ["07"],
            "lastChangeDateTime": STAMP,
        }
        if version != "1.1":
            item["CFDocumentURI"] = doc_link
        items.append(item)
        links[code] = {"title": statement[:60], "identifier": identifier, "uri": uri}
        target = doc_link if parent is None else links[parent]
        associations.append(
            {
                "identifier": _id(f"assoc:{code}", "1.1"),
                "uri": f"https://case.example.org/uri/{_id(f'assoc:{code}', '1.1')}",
                "associationType": "isChildOf",
                "originNodeURI": links[code],
                "destinationNodeURI": target,
                "sequenceNumber": n + 1,
                "lastChangeDateTime": STAMP,
                "CFDocumentURI": doc_link,
            }
        )
    if "7.RP.A.1" in links and "7.RP.A.2" in links:
        associations.append(_related(links))
    return {"CFDocument": doc, "CFItems": items, "CFAssociations": associations}


def _related(links: dict) -> dict:
    """An association of another type than isChildOf (not kept by masterycat)."""
    return {
        "identifier": _id("assoc:related", "1.1"),
        "uri": "https://case.example.org/uri/related",
        "associationType": "isRelatedTo",
        "originNodeURI": links["7.RP.A.1"],
        "destinationNodeURI": links["7.RP.A.2"],
        "lastChangeDateTime": STAMP,
    }


def as_bytes(package: dict) -> bytes:
    return json.dumps(package, indent=1).encode("utf-8")
