"""XML read without trusting it: no DTD loaded, no entity resolved, nothing fetched from the network.

:func:`parse_xml` uses lxml with DTD loading, entity resolution and network
access off.  A ``DOCTYPE`` line naming a DTD is tolerated (Canvas's QTI 1.2
files carry one; it is never loaded); a document that declares entities in
its own DTD (the billion laughs, external entities reading local files) is
refused, as is any entity reference left in the tree.
"""

from __future__ import annotations

from lxml import etree

from interop.errors import ImportRefused

__all__ = ["parse_xml", "local", "NAMESPACES"]

NAMESPACES = {
    "qti21": "http://www.imsglobal.org/xsd/imsqti_v2p1",
    "qti22": "http://www.imsglobal.org/xsd/imsqti_v2p2",
    "qti30": "http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
    "mathml": "http://www.w3.org/1998/Math/MathML",
}


def _parser() -> etree.XMLParser:
    # a parser per call: lxml parsers are not to be shared between threads
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, file: str) -> etree._Element:
    """The root element of an XML file; :class:`ImportRefused` for one not well-formed or declaring entities."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        line = err.lineno if isinstance(err.lineno, int) and err.lineno > 0 else None
        raise ImportRefused(f"is not well-formed XML: {err.msg}", file=file, line=line) from None
    except ValueError as err:  # a text str with an encoding declaration, and such
        raise ImportRefused(f"is not XML: {err}", file=file) from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.entities()):
        raise ImportRefused(
            "declares entities in its DOCTYPE; entities are not expanded or loaded, so the file is refused", file=file
        )
    for node in root.iter(etree.Entity):
        raise ImportRefused(f"refers to the entity {node.text}, which is not expanded or loaded", file=file)
    return root


def local(element: etree._Element) -> str:
    """An element's name without its namespace."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""
