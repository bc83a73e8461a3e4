"""QTI 2.1, 2.2 and 3.0 assessment items read into the bank's items.

QTI 3.0 renamed the elements and attributes of 2.x (``qti-choice-interaction``
for ``choiceInteraction``, ``response-identifier`` for
``responseIdentifier``); a 3.0 item is renamed to 2.x's names first and read
by the same code.

Interactions taken: choice (single and multiple response), text entry
(text, or a number), extended text (a written answer for the rubric queue),
inline choice, order, match, associate, hot text and gap match; others
(graphic, slider, upload, drawing...) refuse the item.  An item has one
interaction.

Response processing taken: the templates match_correct, map_response and
map_response_point (recognized by their name, inline or referenced), their
usual inline forms, and a number compared with ``equal`` under an exact,
absolute or relative tolerance (how masterycat exports a numeric item's
tolerance).  Anything else refuses the item: it could not be scored as its
author meant.  Partial credit (a mapping with points) becomes a polytomous
score; negative points with no lower bound at zero or above refuse the
item.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from fractions import Fraction
from math import gcd
from typing import Any

from lxml import etree

from interop.qti.body import read_body
from interop.qti.model import ItemRefused, QtiItem
from interop.qti.xml import local
from itembank.tables import Interaction

__all__ = ["read_assessment_item", "is_assessment_item", "DEFAULT_RUBRIC"]

_CHOICE_ID = re.compile(r"^[^\s\x00-\x1f\x7f]{1,16}$")
_TEMPLATES = {"match_correct", "map_response", "map_response_point"}

#: The rubric of an extended-text item (the bank's four levels; a rubric block's text becomes their criteria)
DEFAULT_RUBRIC = [
    {"score": 0, "label": "Does not meet", "criteria": "Does not meet the standard."},
    {"score": 1, "label": "Partially meets", "criteria": "Partially meets the standard."},
    {"score": 2, "label": "Meets", "criteria": "Meets the standard."},
    {"score": 3, "label": "Exceeds", "criteria": "Exceeds the standard."},
]


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _v3_to_v2(root: etree._Element) -> None:
    """Rename a QTI 3.0 tree's elements and attributes in place to QTI 2.x's names."""
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        name = local(node)
        if name.startswith("qti-"):
            node.tag = _camel(name[4:])
        for attr in list(node.attrib):
            if "-" in attr and not attr.startswith(("data-", "aria-")) and not attr.startswith("{"):
                node.set(_camel(attr), node.attrib.pop(attr))


def is_assessment_item(root: etree._Element) -> bool:
    return local(root) in ("assessmentItem", "qti-assessment-item")


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and local(c) == name]


def _first(element: etree._Element, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _descendants(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element.iter() if isinstance(c.tag, str) and local(c) == name]


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


class _Declaration:
    def __init__(self, element: etree._Element) -> None:
        self.identifier = element.get("identifier", "")
        self.cardinality = element.get("cardinality", "single")
        self.base_type = element.get("baseType", "identifier")
        correct = _first(element, "correctResponse")
        self.correct = [(v.text or "").strip() for v in _children(correct, "value")] if correct is not None else []
        mapping = _first(element, "mapping")
        self.mapping: list[tuple[str, Fraction, bool]] | None = None
        self.default = self.lower = self.upper = None
        if mapping is not None:
            try:
                self.mapping = [
                    (
                        e.get("mapKey", "").strip(),
                        Fraction(e.get("mappedValue", "0")),
                        e.get("caseSensitive", "true") == "true",
                    )
                    for e in _children(mapping, "mapEntry")
                ]
                self.default = Fraction(mapping.get("defaultValue", "0"))
                self.lower = Fraction(mapping.get("lowerBound")) if mapping.get("lowerBound") is not None else None
                self.upper = Fraction(mapping.get("upperBound")) if mapping.get("upperBound") is not None else None
            except (ValueError, ZeroDivisionError):
                raise ItemRefused("its mapping has a value that is not a number") from None


def _scoring_rule(root: etree._Element) -> tuple[str, etree._Element | None]:
    """``match_correct``, ``map_response``, ``equal`` (with its element) or ``none``; :class:`ItemRefused` otherwise."""
    processing = _first(root, "responseProcessing")
    if processing is None:
        return "none", None
    template = processing.get("template") or processing.get("templateLocation") or ""
    if template:
        name = template.rstrip("/").rsplit("/", 1)[-1].removesuffix(".xml")
        if name in _TEMPLATES:
            return ("map_response" if name == "map_response_point" else name), None
        raise ItemRefused(f"its response processing template {template} is not one masterycat reproduces")
    conditions = [c for c in processing if isinstance(c.tag, str)]
    if len(conditions) == 1 and local(conditions[0]) == "responseCondition":
        branches = [b for b in conditions[0] if isinstance(b.tag, str)]
        if len(branches) == 2 and [local(b) for b in branches] == ["responseIf", "responseElse"]:
            test = [c for c in branches[0] if isinstance(c.tag, str)]
            otherwise = [c for c in branches[1] if isinstance(c.tag, str)]
            if len(test) == 2 and len(otherwise) == 1:
                rule = _recognize(test[0], test[1], otherwise[0])
                if rule is not None:
                    return rule
    raise ItemRefused("its response processing is custom; masterycat could not score it exactly as written")


def _is_var(element: etree._Element, kind: str) -> bool:
    return local(element) == kind and element.get("identifier") == "RESPONSE"


def _sets(element: etree._Element, value: str | None) -> bool:
    """Whether ``element`` sets SCORE to the base value ``value`` (or to mapResponse when None)."""
    if local(element) != "setOutcomeValue" or element.get("identifier") != "SCORE":
        return False
    (inner,) = [c for c in element if isinstance(c.tag, str)] or [None]
    if inner is None:
        return False
    if value is None:
        return local(inner) == "mapResponse" and inner.get("identifier") == "RESPONSE"
    try:
        return local(inner) == "baseValue" and float(inner.text or "") == float(value)
    except ValueError:
        return False


def _recognize(
    test: etree._Element, then: etree._Element, otherwise: etree._Element
) -> tuple[str, etree._Element | None] | None:
    operands = [c for c in test if isinstance(c.tag, str)]
    kind = local(test)
    if kind in ("match", "equal") and len(operands) == 2:
        pair = sorted(local(o) for o in operands)
        if pair == ["correct", "variable"] and all(o.get("identifier") == "RESPONSE" for o in operands):
            if _sets(then, "1") and _sets(otherwise, "0"):
                return ("match_correct", None) if kind == "match" else ("equal", test)
    if kind == "isNull" and len(operands) == 1 and _is_var(operands[0], "variable"):
        if _sets(then, "0") and _sets(otherwise, None):
            return "map_response", None
    return None


def _tolerance(equal: etree._Element, key: float) -> float:
    mode = equal.get("toleranceMode", "exact")
    if equal.get("includeLowerBound", "true") != "true" or equal.get("includeUpperBound", "true") != "true":
        raise ItemRefused("its tolerance excludes a bound; masterycat's tolerances include both")
    if mode == "exact":
        return 0.0
    parts = (equal.get("tolerance") or "").split()
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if not values or len(values) > 2 or (len(values) == 2 and values[0] != values[1]) or values[0] < 0:
        raise ItemRefused(f"its tolerance {equal.get('tolerance')!r} is not one symmetric tolerance")
    if mode == "absolute":
        return values[0]
    if mode == "relative":
        return abs(key) * values[0] / 100
    raise ItemRefused(f"its tolerance mode {mode!r} is not exact, absolute or relative")


def _ids(elements: list[etree._Element], prefix: str) -> dict[str, str]:
    """The bank's id of each QTI identifier: itself when it fits (1-16 characters), else ``prefix`` + a number."""
    raw = [e.get("identifier", "") for e in elements]
    if all(_CHOICE_ID.match(r) for r in raw) and len(set(raw)) == len(raw):
        return {r: r for r in raw}
    return {r: f"{prefix}{n + 1}" for n, r in enumerate(raw)}


def _scoring(
    decl: _Declaration, rename, *, single: bool, case_default: bool = True
) -> tuple[dict[str, Any] | None, int]:
    """Partial credit of a mapping (None and 2 for all or nothing)."""
    assert decl.mapping is not None
    values = [v for _, v, _ in decl.mapping]
    if any(v < 0 for v in values + [decl.default or 0]) and (decl.lower is None or decl.lower < 0):
        raise ItemRefused("its mapping gives negative points with no lower bound at zero or above")
    upper = decl.upper
    if upper is None:
        positive = [v for v in values if v > 0] + ([decl.default] if decl.default and decl.default > 0 else [])
        upper = max(positive, default=Fraction(0)) if single else sum(positive, Fraction(0))
    numbers = [*values, upper] + [b for b in (decl.default, decl.lower) if b]
    denominators = 1
    for number in numbers:
        denominators = denominators * number.denominator // gcd(denominators, number.denominator)
    numerators = 0
    for number in numbers:
        numerators = gcd(numerators, int(number * denominators))
    step = Fraction(numerators or 1, denominators)
    if upper <= 0:
        raise ItemRefused("its mapping gives no points")
    case_sensitive = all(c for _, _, c in decl.mapping) if decl.mapping else case_default
    scoring: dict[str, Any] = {
        "mapping": [[rename(k), _number(v)] for k, v, _ in decl.mapping],
        "default": _number(decl.default or Fraction(0)),
        "upper": _number(upper),
        "step": _number(step),
    }
    if decl.lower is not None:
        scoring["lower"] = _number(decl.lower)
    if not case_sensitive:
        scoring["case_sensitive"] = False
    elif decl.base_type == "string":
        scoring["case_sensitive"] = True
    return scoring, int(upper / step) + 1


_LEVEL = re.compile(r"^([0-3]) \| (.+?) \| (.+)$")


def _rubric(blocks: list[etree._Element]) -> list[dict[str, Any]]:
    """The four levels of a rubric block written ``score | label | criteria`` (as masterycat exports),
    else the bank's four levels with the block's text as the criteria of "Meets"."""
    lines = [_text(p) for block in blocks for p in block.iter() if isinstance(p.tag, str) and local(p) == "p"]
    levels = [m.groups() for m in (_LEVEL.match(line) for line in lines) if m]
    if len(levels) == 4 and sorted(int(s) for s, _, _ in levels) == [0, 1, 2, 3]:
        return [{"score": int(s), "label": label, "criteria": criteria} for s, label, criteria in levels]
    rubric = [dict(level) for level in DEFAULT_RUBRIC]
    text = " ".join(_text(b) for b in blocks if _text(b))
    if text:
        rubric[2]["criteria"] = text[:2000]
    return rubric


def _number(value: Fraction) -> float | int:
    return int(value) if value.denominator == 1 else float(value)


def _with_stimuli(
    root: etree._Element, body: etree._Element, base: str, stimuli: Callable[[str], etree._Element | None]
) -> None:
    """Put the body of each shared stimulus the item refers to before its own body (images made relative to it)."""
    for ref in reversed(_children(root, "assessmentStimulusRef")):
        href = ref.get("href", "")
        path = posixpath.normpath(posixpath.join(base, href))
        stimulus = stimuli(path) if href else None
        if stimulus is None:
            raise ItemRefused(f"its shared stimulus {href or '(no href)'} is not in the package")
        if local(stimulus).startswith("qti-"):
            _v3_to_v2(stimulus)
        stimulus_body = _first(stimulus, "stimulusBody")
        if stimulus_body is None:
            raise ItemRefused(f"its shared stimulus {href} has no stimulus body")
        folder = posixpath.dirname(path)
        for image in (e for e in stimulus_body.iter() if isinstance(e.tag, str) and local(e) == "img"):
            source = image.get("src", "")
            if source and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", source):
                image.set("src", posixpath.relpath(posixpath.join(folder, source), base or "."))
        for n, child in enumerate(list(stimulus_body)):
            body.insert(n, child)


def read_assessment_item(
    root: etree._Element,
    *,
    item_id: str,
    base: str,
    files: set[str],
    version: str,
    stimuli: Callable[[str], etree._Element | None] | None = None,
) -> QtiItem:
    """The bank's form of a QTI 2.x or 3.0 ``assessmentItem``.

    Parameters
    ----------
    root : Element
        The item (renamed to 2.x names in place for a 3.0 item).
    item_id : str
        The bank's id for it.
    base : str
        Its folder in the package.
    files : set of str
        The package's files.
    version : str
        ``2`` or ``3``.
    stimuli : callable, optional
        The root of a shared stimulus file by its package path (None when absent).

    Raises
    ------
    ItemRefused
        An interaction, a response processing or a shape masterycat does not take.
    """
    if version == "3":
        _v3_to_v2(root)
    declarations = {d.get("identifier", ""): _Declaration(d) for d in _children(root, "responseDeclaration")}
    body = _first(root, "itemBody")
    if body is None:
        raise ItemRefused("it has no item body")
    if stimuli is not None:
        _with_stimuli(root, body, base, stimuli)
    interactions = [e for e in body.iter() if isinstance(e.tag, str) and local(e).endswith("Interaction")]
    if not interactions:
        raise ItemRefused("it has no interaction")
    if len(interactions) > 1:
        raise ItemRefused(f"it has {len(interactions)} interactions; a masterycat item has one")
    interaction = interactions[0]
    kind = local(interaction)
    decl = declarations.get(interaction.get("responseIdentifier", ""))
    if decl is None:
        raise ItemRefused(f"its {kind} has no response declaration")
    rule, equal = _scoring_rule(root)
    feedback = [_text(f) for f in _children(root, "modalFeedback") if _text(f)]
    item = QtiItem(identifier=item_id, title=root.get("title", ""), interaction="", stem="")
    rename: dict[str, str] = {}
    if kind in ("choiceInteraction", "orderInteraction", "inlineChoiceInteraction"):
        child = {"inlineChoiceInteraction": "inlineChoice"}.get(kind, "simpleChoice")
        elements = _descendants(interaction, child)
        rename = _ids(elements, "C")
        item.choices = [{"id": rename[e.get("identifier", "")], "text": _text(e) or "(image)"} for e in elements]
        if kind == "orderInteraction":
            item.interaction = Interaction.order.value
        elif kind == "inlineChoiceInteraction":
            item.interaction = Interaction.inline_choice.value
        elif decl.cardinality == "single":
            item.interaction = Interaction.single_choice.value
        else:
            item.interaction = Interaction.multiple_select.value
    elif kind == "associateInteraction":
        elements = _descendants(interaction, "simpleAssociableChoice")
        rename = _ids(elements, "C")
        item.choices = [{"id": rename[e.get("identifier", "")], "text": _text(e) or "(image)"} for e in elements]
        item.interaction = Interaction.associate.value
    elif kind == "hottextInteraction":
        elements = _descendants(interaction, "hottext")
        rename = _ids(elements, "H")
        item.choices = [{"id": rename[e.get("identifier", "")], "text": _text(e)} for e in elements]
        item.interaction = Interaction.hot_text.value
    elif kind in ("matchInteraction", "gapMatchInteraction"):
        if kind == "matchInteraction":
            sets = _descendants(interaction, "simpleMatchSet")
            if len(sets) != 2:
                raise ItemRefused("its match interaction does not have two sets")
            sources, targets = (
                _descendants(sets[0], "simpleAssociableChoice"),
                _descendants(sets[1], "simpleAssociableChoice"),
            )
        else:
            sources, targets = _descendants(interaction, "gapText"), _descendants(interaction, "gap")
        source_ids, target_ids = _ids(sources, "C"), _ids(targets, "T")
        rename = {**source_ids, **target_ids}
        item.choices = [{"id": source_ids[e.get("identifier", "")], "text": _text(e) or "(image)"} for e in sources]
        item.targets = [
            {"id": target_ids[e.get("identifier", "")], "text": _text(e) or f"Blank {n + 1}"}
            for n, e in enumerate(targets)
        ]
        item.interaction = Interaction.match.value if kind == "matchInteraction" else Interaction.gap_match.value
    elif kind == "textEntryInteraction":
        item.interaction = (
            Interaction.numeric_entry.value if decl.base_type in ("float", "integer") else Interaction.text_entry.value
        )
    elif kind == "extendedTextInteraction":
        item.interaction = Interaction.constructed_response.value
    else:
        raise ItemRefused(f"its {kind} is not an interaction masterycat has")

    def renamed(value: str) -> str:
        parts = [rename.get(part, part) for part in value.split()]
        if item.interaction == Interaction.associate.value:
            parts.sort()  # a pair of an associate item is unordered
        return " ".join(parts)

    content = read_body(body, item_id, base, files, blank_ids=rename)
    item.stem, item.stem_html, item.assets = content.text, content.html, content.assets
    item.rationale = " ".join(content.feedback + feedback)
    if item.interaction == Interaction.constructed_response.value:
        item.rubric = _rubric(_descendants(body, "rubricBlock"))
        return item
    if rule == "none":
        raise ItemRefused("it has no response processing; masterycat would not know how it is scored")
    if rule == "map_response" and decl.mapping is None:
        raise ItemRefused("its response processing maps the response, which has no mapping")
    if rule == "equal" and item.interaction != Interaction.numeric_entry.value:
        raise ItemRefused("its response processing compares numbers, but it does not take a number")
    correct = [renamed(v) for v in decl.correct]
    if item.interaction == Interaction.numeric_entry.value:
        if rule == "map_response" or len(correct) != 1:
            raise ItemRefused("a numeric entry is scored against one correct number here")
        try:
            item.key = float(correct[0])
        except ValueError:
            raise ItemRefused(f"its correct response {correct[0]!r} is not a number") from None
        item.tolerance = _tolerance(equal, item.key) if equal is not None else 0.0
        return item
    single = decl.cardinality == "single"
    if rule == "map_response":
        item.scoring, item.n_categories = _scoring(decl, renamed, single=single)
        if item.interaction == Interaction.text_entry.value:
            best = max(v for _, v, _ in decl.mapping or [("", Fraction(0), True)])
            correct = correct or [k for k, v, _ in decl.mapping or [] if v == best]
        elif not correct:
            correct = [renamed(k) for k, v, _ in decl.mapping or [] if v > 0]
    if not correct:
        raise ItemRefused("it has no correct response")
    if item.interaction in (Interaction.single_choice.value, Interaction.inline_choice.value):
        item.key = correct[0]
    elif item.interaction in (Interaction.match.value, Interaction.gap_match.value, Interaction.associate.value):
        item.key = sorted(pair.split() for pair in correct)
    elif item.interaction == Interaction.text_entry.value:
        item.key = correct
        if item.scoring is None:
            item.scoring = {"case_sensitive": True}
    else:
        item.key = correct if item.interaction == Interaction.order.value else sorted(correct)
    return item
