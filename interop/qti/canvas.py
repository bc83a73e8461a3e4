"""Canvas's classic quiz export (QTI 1.2) read into the bank's items.

Question types taken: ``multiple_choice_question`` and
``true_false_question`` (one choice), ``multiple_answers_question`` (every
right choice and no wrong one), ``numerical_question`` (one number, exact,
with a margin or as a range: the key and an absolute tolerance),
``short_answer_question`` (accepted answers, compared as Canvas does:
without regard to letter case) and ``essay_question`` (a written answer for
the rubric queue).  Other types refuse the item, as do answers Canvas
scores in ways the bank cannot reproduce (several numeric answers, partial
points).  The question and choice texts are Canvas's HTML, sanitized;
images in the export's ``web_resources`` are kept as item assets.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

import lxml.html
from lxml import etree

from interop.qti.body import ASSET_PREFIX, sanitize
from interop.qti.model import ItemRefused, QtiItem
from interop.qti.qti2 import DEFAULT_RUBRIC
from interop.qti.xml import local
from itembank.tables import Interaction

__all__ = ["read_canvas_items", "is_canvas"]

_FILE_BASE = "$IMS-CC-FILEBASE$"


def is_canvas(root: etree._Element) -> bool:
    return local(root) == "questestinterop"


def _all(element: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in element.iter() if isinstance(e.tag, str) and local(e) == name]


def _one(element: etree._Element, name: str) -> etree._Element | None:
    found = _all(element, name)
    return found[0] if found else None


def _metadata(item: etree._Element) -> dict[str, str]:
    fields = {}
    for entry in _all(item, "qtimetadatafield"):
        label, value = _one(entry, "fieldlabel"), _one(entry, "fieldentry")
        if label is not None and value is not None:
            fields[(label.text or "").strip()] = (value.text or "").strip()
    return fields


def _html(
    mattext: etree._Element | None, item_id: str, files: set[str], assets: dict[str, str]
) -> tuple[str, str | None]:
    """The text and sanitized HTML (None when plain) of a ``mattext``."""
    if mattext is None:
        return "", None
    raw = mattext.text or ""
    if mattext.get("texttype", "text/plain") != "text/html":
        return " ".join(raw.split()), None
    fragment = lxml.html.fragment_fromstring(raw or "<p></p>", create_parent="div")
    for image in fragment.iter("img"):
        source = unquote(image.get("src", "")).split("?", 1)[0]
        path = posixpath.normpath(source.replace(_FILE_BASE, "web_resources").lstrip("/"))
        if path in files:
            stored = path.split("/", 1)[1] if path.startswith("web_resources/") else path
            assets[stored] = path
            image.set("src", f"{ASSET_PREFIX}{item_id}/{stored}")
        else:
            image.drop_tree()
    text = " ".join(fragment.text_content().split())
    html = sanitize(
        "".join(lxml.html.tostring(child, encoding="unicode") for child in fragment) or (fragment.text or "")
    )
    plain = (
        "<img" not in html
        and "<math" not in html
        and "<table" not in html
        and "<sub" not in html
        and "<sup" not in html
    )
    return text, None if plain else html


def _correct_ids(condition: etree._Element) -> list[str]:
    """The choices a condition requires (``varequal`` not under ``not``)."""
    out = []
    for equal in _all(condition, "varequal"):
        parent, negated = equal.getparent(), False
        while parent is not None and parent is not condition:
            negated = negated or local(parent) == "not"
            parent = parent.getparent()
        if not negated:
            out.append((equal.text or "").strip())
    return out


def _full_credit(processing: etree._Element) -> list[etree._Element]:
    """The conditions that set the score to the full points (100 in Canvas's scale)."""
    conditions = []
    for condition in _all(processing, "respcondition"):
        setvar = _one(condition, "setvar")
        if setvar is None or setvar.get("varname", "SCORE") != "SCORE":
            continue
        try:
            value = float((setvar.text or "").strip())
        except ValueError:
            continue
        if value >= 100 or (setvar.get("action") == "Set" and value > 0):
            if 0 < value < 100:
                raise ItemRefused(
                    f"Canvas gives {value:g} of 100 points for an answer; partial points are not reproduced"
                )
            conditions.append(condition)
    return conditions


def _number(text: str | None) -> float:
    try:
        return float((text or "").strip())
    except ValueError:
        raise ItemRefused(f"{text!r} is not a number") from None


def _numeric(conditions: list[etree._Element]) -> tuple[float, float]:
    if len(conditions) != 1:
        raise ItemRefused(f"it has {len(conditions)} numeric answers; masterycat scores one number with a tolerance")
    condition = _one(conditions[0], "conditionvar")
    assert condition is not None
    exact = [_number(e.text) for e in _all(condition, "varequal")]
    low = [_number(e.text) for e in _all(condition, "vargte")] + [_number(e.text) for e in _all(condition, "vargt")]
    high = [_number(e.text) for e in _all(condition, "varlte")] + [_number(e.text) for e in _all(condition, "varlt")]
    if _all(condition, "vargt") or _all(condition, "varlt"):
        raise ItemRefused("its range excludes a bound; masterycat's tolerances include both")
    if len(exact) > 1 or len(low) > 1 or len(high) > 1 or len(low) != len(high):
        raise ItemRefused("its numeric answer is not one number or one range")
    if low:
        middle, half = round((low[0] + high[0]) / 2, 12), round((high[0] - low[0]) / 2, 12)
        if exact and abs(exact[0] - middle) > 1e-9 * max(1.0, abs(middle)):
            raise ItemRefused("its margin is not the same on both sides of the answer")
        return (exact[0] if exact else middle), half
    if not exact:
        raise ItemRefused("it has no numeric answer")
    return exact[0], 0.0


def _read_item(element: etree._Element, item_id: str, files: set[str]) -> QtiItem:
    kind = _metadata(element).get("question_type", "")
    presentation = _one(element, "presentation")
    if presentation is None:
        raise ItemRefused("it has no presentation")
    assets: dict[str, str] = {}
    stem_text = next((m for m in _all(presentation, "mattext") if m.getparent() is not None), None)
    # the question is the presentation's own material, not a choice's
    question = None
    for material in _all(presentation, "material"):
        if not any(local(a) == "response_label" for a in material.iterancestors()):
            question = _one(material, "mattext")
            break
    stem, stem_html = _html(question if question is not None else stem_text, item_id, files, assets)
    item = QtiItem(identifier=item_id, title=element.get("title", ""), interaction="", stem=stem, stem_html=stem_html)
    item.assets = assets
    feedback = [_html(m, item_id, files, {})[0] for f in _all(element, "itemfeedback") for m in _all(f, "mattext")]
    item.rationale = " ".join(f for f in feedback if f)
    processing = _one(element, "resprocessing")
    if kind == "essay_question":
        item.interaction = Interaction.constructed_response.value
        item.rubric = [dict(level) for level in DEFAULT_RUBRIC]
        return item
    if processing is None:
        raise ItemRefused("it has no response processing")
    conditions = _full_credit(processing)
    if kind in ("multiple_choice_question", "true_false_question", "multiple_answers_question"):
        labels = _all(presentation, "response_label")
        item.choices = []
        for n, label in enumerate(labels):
            text, _html_text = _html(_one(label, "mattext"), item_id, files, assets)
            item.choices.append({"id": chr(65 + n) if n < 26 else f"C{n + 1}", "text": text or "(image)"})
        rename = {label.get("ident", ""): choice["id"] for label, choice in zip(labels, item.choices)}
        correct = sorted({rename.get(i, i) for c in conditions for i in _correct_ids(c)})
        if not correct or not set(correct) <= set(rename.values()):
            raise ItemRefused("its right answer is not one of its choices")
        if kind == "multiple_answers_question":
            item.interaction, item.key = Interaction.multiple_select.value, correct
        else:
            if len(correct) != 1:
                raise ItemRefused("a one-answer question with several right answers")
            item.interaction, item.key = Interaction.single_choice.value, correct[0]
        return item
    if kind == "numerical_question":
        item.interaction = Interaction.numeric_entry.value
        item.key, item.tolerance = _numeric(conditions)
        return item
    if kind == "short_answer_question":
        answers = [a for c in conditions for a in _correct_ids(c) if a]
        if not answers:
            raise ItemRefused("it has no accepted answer")
        item.interaction, item.key = Interaction.text_entry.value, list(dict.fromkeys(answers))
        return item
    raise ItemRefused(f"Canvas's {kind or 'unknown'} questions are not an interaction masterycat has")


def read_canvas_items(root: etree._Element, files: set[str], item_id) -> list[tuple[str, QtiItem | ItemRefused]]:
    """Each ``item`` of a QTI 1.2 file: its identifier and the bank's item, or why it was refused.

    ``item_id(ident)`` gives the bank's id for a Canvas ident.
    """
    out: list[tuple[str, QtiItem | ItemRefused]] = []
    for element in _all(root, "item"):
        ident = element.get("ident", "")
        try:
            out.append((ident, _read_item(element, item_id(ident), files)))
        except ItemRefused as err:
            out.append((ident, err))
    return out
