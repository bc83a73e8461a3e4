"""A QTI 3.0 content package of any selection of the bank: items, media, standards and usage data.

Each item is ``items/<id>/<id>.xml`` (a ``qti-assessment-item``) with its
media beside it, listed in ``imsmanifest.xml`` with its objective as IMS
curriculum standards metadata (the CASE identifier and the code).
Scoring: the templates match_correct and map_response; a numeric item's
tolerance as ``qti-equal`` with an absolute tolerance (read back by
:mod:`interop.qti.qti2`).  The rationale is the item's modal feedback; a
written answer's rubric its scorer's rubric block (``score | label |
criteria``).  ``usagedata.xml`` (QTI usage data, ``ordinaryStatistic``)
carries each item's classical statistics (``classical.n``, the effective
scored responses, and ``classical.mean_score``) and its parameters in the
live calibration (``2pl.a``, ``2pl.b``...).  Imported again,
the package gives the same items, keys and tolerances.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import lxml.html
from lxml import etree
from sqlmodel import Session, func, select

from interop.case.exporting import standard_identifier
from interop.qti.body import ASSET_PREFIX
from itembank.case_records import CaseItem, CaseRole
from itembank.item_assets import item_assets
from itembank.standards import descendant_ids, find_standard
from itembank.tables import Calibration, Interaction, Item, ItemParameter, Response, Standard

__all__ = ["export_qti", "QTI3", "TEMPLATES"]

QTI3 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
MATHML = "http://www.w3.org/1998/Math/MathML"
CP = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
CSM = "http://ltsc.ieee.org/xsd/imsccv1p2/imscsmd_v1p0"
QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
GLOSSARY = "https://masterycat.example/glossary/item-parameters"

_CARDINALITY = {
    Interaction.single_choice.value: ("single", "identifier"),
    Interaction.inline_choice.value: ("single", "identifier"),
    Interaction.multiple_select.value: ("multiple", "identifier"),
    Interaction.hot_text.value: ("multiple", "identifier"),
    Interaction.order.value: ("ordered", "identifier"),
    Interaction.match.value: ("multiple", "directedPair"),
    Interaction.gap_match.value: ("multiple", "directedPair"),
    Interaction.associate.value: ("multiple", "pair"),
    Interaction.text_entry.value: ("single", "string"),
    Interaction.numeric_entry.value: ("single", "float"),
    Interaction.constructed_response.value: ("single", "string"),
}


def _q(name: str) -> str:
    return f"{{{QTI3}}}{name}"


def _sub(
    parent: etree._Element, name: str, attrs: dict[str, str] | None = None, text: str | None = None
) -> etree._Element:
    element = etree.SubElement(parent, _q(name), attrs or {})
    if text is not None:
        element.text = text
    return element


def _value(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(map(str, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def _stem_nodes(item: Item) -> list[etree._Element]:
    """The stem as QTI body elements: the sanitized XHTML made XML, or one paragraph of text."""
    if not item.stem_html:
        paragraph = etree.Element(_q("p"))
        paragraph.text = item.stem
        return [paragraph]
    fragment = lxml.html.fragment_fromstring(item.stem_html, create_parent="div")
    xml = etree.fromstring(etree.tostring(fragment, method="xml"))
    for node in xml.iter():
        if not isinstance(node.tag, str):
            continue
        inside_math = node.tag == "math" or any(a.tag == f"{{{MATHML}}}math" for a in node.iterancestors())
        node.tag = f"{{{MATHML}}}{node.tag}" if inside_math else _q(node.tag)
        if node.tag == _q("img") and node.get("src", "").startswith(f"{ASSET_PREFIX}{item.id}/"):
            node.set("src", node.get("src", "")[len(f"{ASSET_PREFIX}{item.id}/") :])
    leading = xml.text
    nodes = list(xml)
    if leading and leading.strip():
        paragraph = etree.Element(_q("p"))
        paragraph.text = leading
        nodes.insert(0, paragraph)
    return nodes


def _replace_blanks(nodes: list[etree._Element], make) -> int:
    """Replace each blank span (``data-blank``) and hot text mark by ``make(kind, id, text)``; how many."""
    count = 0
    for root in nodes:
        for node in list(root.iter(_q("span"), _q("mark"))):
            if node.tag == _q("span") and node.get("class") == "blank":
                new = make("blank", node.get("data-blank", ""), "")
            elif node.tag == _q("mark") and node.get("class") == "hottext":
                new = make("hottext", node.get("data-choice", ""), "".join(node.itertext()))
            else:
                continue
            new.tail = node.tail
            node.getparent().replace(node, new)
            count += 1
    return count


def _inline_in_text(stem: str, element: etree._Element) -> list[etree._Element]:
    """A plain stem with the inline interaction at its blank (``____``), or after it in its own paragraph."""
    paragraph = etree.Element(_q("p"))
    if "____" in stem:
        before, after = stem.split("____", 1)
        paragraph.text = before
        paragraph.append(element)
        element.tail = after
        return [paragraph]
    paragraph.text = stem
    answer = etree.Element(_q("p"))
    answer.append(element)
    return [paragraph, answer]


def item_xml(item: Item) -> bytes:
    """The ``qti-assessment-item`` of a bank item."""
    root = etree.Element(
        _q("qti-assessment-item"),
        {"identifier": item.id, "title": item.stem[:80], "adaptive": "false", "time-dependent": "false"},
        nsmap={None: QTI3},
    )
    cardinality, base_type = _CARDINALITY[item.interaction]
    declaration = _sub(
        root, "qti-response-declaration", {"identifier": "RESPONSE", "cardinality": cardinality, "base-type": base_type}
    )
    key = item.key
    if item.interaction != Interaction.constructed_response.value:
        correct = _sub(declaration, "qti-correct-response")
        values = key if isinstance(key, list) else [key]
        for value in values:
            _sub(correct, "qti-value", text=_value(value))
    scoring = item.scoring or {}
    if scoring.get("mapping") is not None:
        mapping = _sub(declaration, "qti-mapping", {"default-value": _value(scoring.get("default", 0))})
        for bound, attr in (("lower", "lower-bound"), ("upper", "upper-bound")):
            if scoring.get(bound) is not None:
                mapping.set(attr, _value(scoring[bound]))
        for map_key, points in scoring["mapping"]:
            entry = _sub(mapping, "qti-map-entry", {"map-key": str(map_key), "mapped-value": _value(points)})
            if item.interaction == Interaction.text_entry.value:
                entry.set("case-sensitive", "true" if scoring.get("case_sensitive") else "false")
    _sub(root, "qti-outcome-declaration", {"identifier": "SCORE", "cardinality": "single", "base-type": "float"})
    _sub(
        root, "qti-outcome-declaration", {"identifier": "FEEDBACK", "cardinality": "single", "base-type": "identifier"}
    )
    body = _sub(root, "qti-item-body")
    _body(body, item)
    _processing(root, item)
    if item.rationale:
        feedback = _sub(
            root,
            "qti-modal-feedback",
            {"outcome-identifier": "FEEDBACK", "show-hide": "hide", "identifier": "RATIONALE"},
        )
        _sub(_sub(feedback, "qti-content-body"), "p", text=item.rationale)
    # not pretty-printed: indentation would add text to the stem's mixed content
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _choices(parent: etree._Element, name: str, choices: list[dict], **attrs: str) -> None:
    for choice in choices:
        _sub(parent, name, {"identifier": str(choice["id"]), **attrs}, text=str(choice["text"]))


def _body(body: etree._Element, item: Item) -> None:
    kind = item.interaction
    nodes = _stem_nodes(item)
    interaction_attrs = {"response-identifier": "RESPONSE"}
    if kind in (Interaction.inline_choice.value, Interaction.text_entry.value, Interaction.numeric_entry.value):

        def make(_kind: str, _id: str, _text: str) -> etree._Element:
            if kind == Interaction.inline_choice.value:
                element = etree.Element(_q("qti-inline-choice-interaction"), interaction_attrs)
                _choices(element, "qti-inline-choice", item.choices)
                return element
            return etree.Element(_q("qti-text-entry-interaction"), interaction_attrs)

        if item.stem_html and _replace_blanks(nodes, make):
            body.extend(nodes)
        else:
            body.extend(
                _inline_in_text(item.stem, make("blank", "", ""))
                if not item.stem_html
                else nodes + _inline_in_text("", make("blank", "", ""))[1:]
            )
        return
    if kind in (Interaction.hot_text.value, Interaction.gap_match.value):
        name = "qti-hottext-interaction" if kind == Interaction.hot_text.value else "qti-gap-match-interaction"
        interaction = etree.Element(
            _q(name),
            {**interaction_attrs, "max-choices": "0"} if kind == Interaction.hot_text.value else interaction_attrs,
        )
        if kind == Interaction.gap_match.value:
            _choices(interaction, "qti-gap-text", item.choices, **{"match-max": "1"})

        def make(marker: str, identifier: str, text: str) -> etree._Element:
            if marker == "hottext":
                element = etree.Element(_q("qti-hottext"), {"identifier": identifier})
                element.text = text
                return element
            return etree.Element(_q("qti-gap"), {"identifier": identifier})

        _replace_blanks(nodes, make)
        interaction.extend(nodes)
        body.append(interaction)
        return
    body.extend(nodes)
    if kind in (Interaction.single_choice.value, Interaction.multiple_select.value):
        interaction = _sub(
            body,
            "qti-choice-interaction",
            {**interaction_attrs, "max-choices": "1" if kind == Interaction.single_choice.value else "0"},
        )
        _choices(interaction, "qti-simple-choice", item.choices)
    elif kind == Interaction.order.value:
        _choices(_sub(body, "qti-order-interaction", interaction_attrs), "qti-simple-choice", item.choices)
    elif kind == Interaction.associate.value:
        interaction = _sub(body, "qti-associate-interaction", {**interaction_attrs, "max-associations": "0"})
        _choices(interaction, "qti-simple-associable-choice", item.choices, **{"match-max": "0"})
    elif kind == Interaction.match.value:
        interaction = _sub(
            body, "qti-match-interaction", {**interaction_attrs, "max-associations": str(len(item.targets))}
        )
        _choices(
            _sub(interaction, "qti-simple-match-set"),
            "qti-simple-associable-choice",
            item.choices,
            **{"match-max": "1"},
        )
        _choices(
            _sub(interaction, "qti-simple-match-set"),
            "qti-simple-associable-choice",
            item.targets,
            **{"match-max": "1"},
        )
    elif kind == Interaction.constructed_response.value:
        _sub(body, "qti-extended-text-interaction", interaction_attrs)
        rubric = _sub(body, "qti-rubric-block", {"view": "scorer", "use": "scoring"})
        content = _sub(rubric, "qti-content-body")
        for level in item.rubric or []:
            _sub(content, "p", text=f"{level['score']} | {level['label']} | {level['criteria']}")


def _processing(root: etree._Element, item: Item) -> None:
    if item.interaction == Interaction.constructed_response.value:
        return
    if item.interaction == Interaction.numeric_entry.value:
        processing = _sub(root, "qti-response-processing")
        condition = _sub(processing, "qti-response-condition")
        branch = _sub(condition, "qti-response-if")
        tolerance = float(item.tolerance or 0)
        attrs = (
            {"tolerance-mode": "absolute", "tolerance": f"{_value(tolerance)} {_value(tolerance)}"}
            if tolerance
            else {"tolerance-mode": "exact"}
        )
        equal = _sub(branch, "qti-equal", attrs)
        _sub(equal, "qti-variable", {"identifier": "RESPONSE"})
        _sub(equal, "qti-correct", {"identifier": "RESPONSE"})
        _sub(
            _sub(branch, "qti-set-outcome-value", {"identifier": "SCORE"}),
            "qti-base-value",
            {"base-type": "float"},
            "1",
        )
        otherwise = _sub(condition, "qti-response-else")
        _sub(
            _sub(otherwise, "qti-set-outcome-value", {"identifier": "SCORE"}),
            "qti-base-value",
            {"base-type": "float"},
            "0",
        )
        return
    template = "map_response" if (item.scoring or {}).get("mapping") is not None else "match_correct"
    _sub(root, "qti-response-processing", {"template": f"{TEMPLATES}{template}.xml"})


def _standard_guids(session: Session, standard: Standard | None) -> tuple[str, str] | None:
    if standard is None:
        return None
    link = session.exec(
        select(CaseItem).where(CaseItem.standard_id == standard.id, CaseItem.role == CaseRole.standard.value)
    ).first()
    return (standard.code, link.identifier if link else standard_identifier(standard.framework, standard.code))


def _classical(session: Session, item_ids: list[str]) -> dict[str, tuple[int, float]]:
    """Each item's number of effective scored responses and mean score."""
    superseded = select(Response.supersedes_id).where(Response.supersedes_id.is_not(None))
    rows = session.exec(
        select(Response.item_id, func.count(), func.avg(Response.score))
        .where(Response.item_id.in_(item_ids), Response.score.is_not(None), Response.id.not_in(superseded))
        .group_by(Response.item_id)
    ).all()
    return {item_id: (int(n), float(mean)) for item_id, n, mean in rows}


def _usage_data(session: Session, items: list[Item]) -> bytes | None:
    """QTI usage data: each item's classical statistics and its parameters in the live calibration."""
    ids = [i.id for i in items]
    statistics: list[tuple[str, str, float, str]] = []
    for item_id, (n, mean) in sorted(_classical(session, ids).items()):
        context = "masterycat: effective scored responses"
        statistics += [(item_id, "classical.n", float(n), context), (item_id, "classical.mean_score", mean, context)]
    calibration = session.exec(select(Calibration).where(Calibration.live == True)).first()  # noqa: E712
    if calibration is not None:
        parameters = session.exec(
            select(ItemParameter).where(ItemParameter.calibration_id == calibration.id, ItemParameter.item_id.in_(ids))
        ).all()
        context = f"masterycat calibration {calibration.id} ({calibration.model})"
        for row in sorted(parameters, key=lambda p: p.item_id):
            values: list[tuple[str, float]] = [("a", row.a)]
            values += [(name, getattr(row, name)) for name in ("b", "c", "d") if getattr(row, name) is not None]
            values += [(f"b{n + 1}", t) for n, t in enumerate(row.thresholds or [])]
            statistics += [(row.item_id, f"{row.model}.{name}", float(number), context) for name, number in values]
    if not statistics:
        return None
    root = etree.Element(f"{{{QTI21}}}usageData", {"glossary": GLOSSARY}, nsmap={None: QTI21})
    for item_id, name, number, context in statistics:
        statistic = etree.SubElement(root, f"{{{QTI21}}}ordinaryStatistic", {"name": name, "context": context})
        etree.SubElement(statistic, f"{{{QTI21}}}targetObject", {"identifier": item_id})
        etree.SubElement(statistic, f"{{{QTI21}}}value").text = repr(number)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def select_items(session: Session, *, standards: list[str] | None = None, status: str | None = None) -> list[Item]:
    """The items of the bank under the standards given (all when none), of one status when given."""
    stmt = select(Item)
    if standards:
        ids: set[int] = set()
        for code in standards:
            ids.update(descendant_ids(session, find_standard(session, code).id))
        stmt = stmt.where(Item.objective_id.in_(ids))
    if status:
        stmt = stmt.where(Item.status == status)
    return list(session.exec(stmt.order_by(Item.id)).all())


def export_qti(session: Session, items: list[Item]) -> bytes:
    """The QTI 3.0 content package (zip bytes) of ``items``."""
    manifest = etree.Element(f"{{{CP}}}manifest", {"identifier": "masterycat-export"}, nsmap={None: CP, "csm": CSM})
    metadata = etree.SubElement(manifest, f"{{{CP}}}metadata")
    etree.SubElement(metadata, f"{{{CP}}}schema").text = "QTI Package"
    etree.SubElement(metadata, f"{{{CP}}}schemaversion").text = "3.0.0"
    etree.SubElement(manifest, f"{{{CP}}}organizations")
    resources = etree.SubElement(manifest, f"{{{CP}}}resources")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            folder = f"items/{item.id}"
            href = f"{folder}/{item.id}.xml"
            archive.writestr(href, item_xml(item))
            resource = etree.SubElement(
                resources,
                f"{{{CP}}}resource",
                {
                    "identifier": re.sub(r"[^A-Za-z0-9_.-]", "_", f"item-{item.id}"),
                    "type": "imsqti_item_xmlv3p0",
                    "href": href,
                },
            )
            standard = session.get(Standard, item.objective_id) if item.objective_id else None
            guid = _standard_guids(session, standard)
            if guid is not None:
                meta = etree.SubElement(resource, f"{{{CP}}}metadata")
                csm = etree.SubElement(meta, f"{{{CSM}}}curriculumStandardsMetadataSet")
                entry = etree.SubElement(csm, f"{{{CSM}}}curriculumStandardsMetadata", {"providerId": "CASE"})
                labelled = etree.SubElement(etree.SubElement(entry, f"{{{CSM}}}setOfGUIDs"), f"{{{CSM}}}labelledGUID")
                etree.SubElement(labelled, f"{{{CSM}}}label").text = guid[0]
                etree.SubElement(labelled, f"{{{CSM}}}GUID").text = guid[1]
            etree.SubElement(resource, f"{{{CP}}}file", {"href": href})
            for asset in item_assets(session, item.id):
                archive.writestr(f"{folder}/{asset.path}", asset.data)
                etree.SubElement(resource, f"{{{CP}}}file", {"href": f"{folder}/{asset.path}"})
        usage = _usage_data(session, items)
        if usage is not None:
            archive.writestr("usagedata.xml", usage)
            resource = etree.SubElement(
                resources,
                f"{{{CP}}}resource",
                {"identifier": "usagedata", "type": "imsqti_usagedata_xmlv2p1", "href": "usagedata.xml"},
            )
            etree.SubElement(resource, f"{{{CP}}}file", {"href": "usagedata.xml"})
        archive.writestr(
            "imsmanifest.xml", etree.tostring(manifest, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        )
    return buffer.getvalue()
