"""An item body as the bank's stem: sanitized XHTML for the pages and plain text for everything else.

The body's block interactions (choices, orders, matches) are taken out (the
pages draw them from the item's choices); an inline blank (a text entry,
an inline choice, a gap) becomes ``<span class="blank" data-blank="ID">``,
a hot text span ``<mark class="hottext" data-choice="ID">``; feedback and
rubric blocks go to the rationale, not the stem.  Images keep only paths
inside the package (rewritten to ``/assets/items/<item>/<path>``, the
file kept as an item asset); MathML is kept.  The XHTML is sanitized with
nh3 (the Ammonia sanitizer) against a list of allowed elements and
attributes, so no script, style, event handler or foreign URL survives.
"""

from __future__ import annotations

import copy
import posixpath
import re

import nh3
from lxml import etree

from interop.qti.xml import local

__all__ = ["Body", "read_body", "sanitize", "ASSET_PREFIX", "MATHML_TAGS"]

ASSET_PREFIX = "/assets/items/"

MATHML_TAGS = {
    "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "mstyle", "merror",
    "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
    "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "mlabeledtr", "semantics", "annotation",
}  # fmt: skip
HTML_TAGS = {
    "p", "div", "span", "br", "em", "strong", "b", "i", "u", "sub", "sup", "small", "ul", "ol", "li", "dl", "dt",
    "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col", "img", "figure",
    "figcaption", "blockquote", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "mark", "abbr", "cite",
    "q", "label",
}  # fmt: skip
ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "span": {"class", "data-blank"},
    "mark": {"class", "data-choice"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
    "math": {"display", "xmlns"},
    "mo": {"stretchy", "fence", "separator", "lspace", "rspace"},
    "mfrac": {"linethickness"},
    "mtable": {"columnalign", "rowalign"},
    "annotation": {"encoding"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mspace": {"width"},
}

#: Elements of a body that are not its stem.
_FEEDBACK = {"feedbackInline", "feedbackBlock", "modalFeedback", "rubricBlock", "templateBlock", "templateInline"}
_BLOCK_INTERACTIONS = {
    "choiceInteraction",
    "orderInteraction",
    "matchInteraction",
    "associateInteraction",
    "extendedTextInteraction",
    "hottextInteraction",
    "gapMatchInteraction",
}
_INLINE_BLANKS = {"textEntryInteraction", "inlineChoiceInteraction"}
_BLOCKS = ("p", "div", "li", "br", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table")


class Body:
    """A body read: its XHTML and text, its feedback, the assets it shows."""

    def __init__(self, html: str | None, text: str, feedback: list[str], assets: dict[str, str]) -> None:
        self.html, self.text, self.feedback, self.assets = html, text, feedback, assets


def sanitize(html: str) -> str:
    """The XHTML with only the allowed elements and attributes, relative URLs only."""
    return nh3.clean(
        html,
        tags=HTML_TAGS | MATHML_TAGS,
        attributes=ATTRIBUTES,
        url_schemes=set(),
        link_rel=None,
        strip_comments=True,
    )


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _strip_namespaces(element: etree._Element) -> None:
    for node in element.iter():
        if isinstance(node.tag, str):
            name = local(node)
            node.tag = name
            for attr in list(node.attrib):
                if attr.startswith("{"):
                    del node.attrib[attr]


def read_body(
    body: etree._Element, item_id: str, base: str, files: set[str], blank_ids: dict[str, str] | None = None
) -> Body:
    """The stem of an item body (in 2.x names: the caller renames 3.0's first).

    Parameters
    ----------
    body : Element
        The ``itemBody``.
    item_id : str
        The bank's id of the item (for the asset URLs).
    base : str
        The folder of the item's file inside the package (``items``), for relative image paths.
    files : set of str
        The package's files: an image not among them is dropped.
    blank_ids : dict, optional
        New ids of hot text spans and gaps, when the QTI ones do not fit the bank.
    """
    body = copy.deepcopy(body)
    blank_ids = blank_ids or {}
    feedback: list[str] = []
    assets: dict[str, str] = {}
    gaps = False
    for node in list(body.iter()):
        if not isinstance(node.tag, str):
            continue
        name = local(node)
        parent = node.getparent()
        if name in _FEEDBACK:
            text = _text(node)
            if text and name != "rubricBlock":
                feedback.append(text)
            _remove(node)
        elif name == "textEntryInteraction" and parent is not None and _alone(node):
            if parent.getparent() is not None and not (parent.text or "").strip():
                _remove(parent)  # the answer's own line: the pages draw the input
            else:
                _remove(node)
        elif name in _INLINE_BLANKS or name == "gap":
            gaps = gaps or name == "gap"
            key = node.get("responseIdentifier") if name != "gap" else node.get("identifier")
            blank = etree.Element("span", {"class": "blank", "data-blank": blank_ids.get(key or "", key or "")})
            blank.text = "____"
            blank.tail = node.tail
            if parent is not None:
                parent.replace(node, blank)
        elif name == "hottext":
            mark = etree.Element(
                "mark",
                {
                    "class": "hottext",
                    "data-choice": blank_ids.get(node.get("identifier", ""), node.get("identifier", "")),
                },
            )
            mark.text = _text(node)
            mark.tail = node.tail
            if parent is not None:
                parent.replace(node, mark)
        elif name in _BLOCK_INTERACTIONS:
            keep = []
            for child in node:
                child_name = local(child) if isinstance(child.tag, str) else ""
                if child_name == "prompt":
                    child.tag = "p"
                    keep.append(child)
                elif name in ("hottextInteraction", "gapMatchInteraction") and child_name not in (
                    "simpleChoice",
                    "gapText",
                    "gapImg",
                ):
                    keep.append(child)  # the passage with its spans or gaps
            if parent is not None:
                index = parent.index(node)
                tail = node.tail
                parent.remove(node)
                for n, child in enumerate(keep):
                    parent.insert(index + n, child)
                if tail and tail.strip():
                    span = etree.Element("span")
                    span.text = tail
                    parent.insert(index + len(keep), span)
        elif name in ("img", "object"):
            source = node.get("src") if name == "img" else node.get("data")
            path = posixpath.normpath(posixpath.join(base, source or "")) if source else ""
            if source and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", source) and path in files:
                stored = path[len(base) + 1 :] if base and path.startswith(base + "/") else path
                assets[stored] = path
                image = etree.Element("img", {"src": f"{ASSET_PREFIX}{item_id}/{stored}", "alt": node.get("alt", "")})
                image.tail = node.tail
                if parent is not None:
                    parent.replace(node, image)
            elif parent is not None:
                _remove(node)
    _strip_namespaces(body)
    for node in list(body.iter("script", "style")):
        _remove(node)
    inner = (body.text or "") + "".join(etree.tostring(child, encoding="unicode", method="html") for child in body)
    html = sanitize(inner).strip()
    for node in body.iter(*_BLOCKS):
        node.tail = "\n" + (node.tail or "")  # blocks part words in the text
    text = " ".join("".join(body.itertext()).split())
    # a stem of text with at most one blank (shown as ____) needs no XHTML
    plain_enough = (
        not gaps and not re.search(r"<(img|math|table|mark|sub|sup|ol|ul)\b", html) and html.count('class="blank"') <= 1
    )
    return Body(None if plain_enough else html, text, feedback, assets)


def _remove(node: etree._Element) -> None:
    """Take a node out of the tree, keeping the text after it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _alone(node: etree._Element) -> bool:
    """Whether an inline interaction is all its block holds (no text or element beside it)."""
    parent = node.getparent()
    if parent is None:
        return False
    others = [c for c in parent if c is not node]
    return not others and not (parent.text or "").strip() and not (node.tail or "").strip()
