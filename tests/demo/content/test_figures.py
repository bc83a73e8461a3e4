"""Items whose stems speak of a table or a graph show it: an HTML table, or a graph drawn as SVG."""

from __future__ import annotations

import re

from lxml import etree

from demo.content.figures import GRAPH_FILE, LineGraph, Table, stem_html
from interop.qti.body import sanitize

SPEAKS_OF = re.compile(r"\b(the table shows|the graph shows|a graph shows)\b", re.IGNORECASE)


def test_every_stem_that_points_at_a_table_or_graph_has_it(bank) -> None:
    pointing = [i for i in bank if SPEAKS_OF.search(i.stem) or (i.stem_html and SPEAKS_OF.search(i.stem_html))]
    assert len(pointing) >= 10
    for item in pointing:
        assert item.stem_html, item.code
        if "table" in SPEAKS_OF.search(item.stem_html).group(0).lower():
            assert "<table>" in item.stem_html and '<th scope="col">' in item.stem_html, item.code
        else:
            assert f'src="/assets/items/{item.code}/{GRAPH_FILE}"' in item.stem_html, item.code
            assert [(p, m) for p, m, _ in item.assets] == [(GRAPH_FILE, "image/svg+xml")]


def test_the_stems_pass_the_banks_sanitizer_unchanged(bank) -> None:
    shown = [i for i in bank if i.stem_html]
    assert shown
    for item in shown:
        assert sanitize(item.stem_html) == item.stem_html, item.code


def test_a_graph_is_a_valid_svg_with_its_points_marked() -> None:
    graph = LineGraph("Time (hours)", "Distance (miles)", ((5, 15.0),), 10, 30)
    svg = etree.fromstring(graph.svg())
    ns = {"s": "http://www.w3.org/2000/svg"}
    (point,) = svg.findall("s:circle", ns)
    assert float(point.get("cx")) > 56 and float(point.get("cy")) < 260 - 44
    assert "(5, 15)" in [t.text for t in svg.findall("s:text", ns)]
    assert "(5, 15)" in graph.description()


def test_text_in_a_figure_is_escaped() -> None:
    table = Table("a <b>", ("x & y",), (("<script>",),))
    html = stem_html("1 < 2", table, "done", "X-1")
    assert "<script>" not in html and "&lt;script&gt;" in html and sanitize(html) == html
