"""The Common Core Grade 7 mathematics framework as a three-level hierarchy.

Domains are competencies, clusters are performance indicators and standards
are learning objectives. Titles are short paraphrases of the official text
(corestandards.org, Grade 7 Mathematics).
"""

from __future__ import annotations

from itembank.tables import StandardLevel

from .specs import StandardSpec

_DOMAINS: tuple[tuple[str, str], ...] = (
    ("7.RP", "Ratios and Proportional Relationships"),
    ("7.NS", "The Number System"),
    ("7.EE", "Expressions and Equations"),
    ("7.G", "Geometry"),
    ("7.SP", "Statistics and Probability"),
)

_CLUSTERS: tuple[tuple[str, str], ...] = (
    ("7.RP.A", "Analyze proportional relationships and use them to solve real-world and mathematical problems"),
    (
        "7.NS.A",
        "Apply and extend understandings of operations with fractions to add, subtract, multiply and divide rational numbers",
    ),
    ("7.EE.A", "Use properties of operations to generate equivalent expressions"),
    ("7.EE.B", "Solve real-life and mathematical problems using numerical and algebraic expressions and equations"),
    ("7.G.A", "Draw, construct and describe geometric figures and the relationships between them"),
    ("7.G.B", "Solve real-life and mathematical problems involving angle measure, area, surface area and volume"),
    ("7.SP.A", "Use random sampling to draw inferences about a population"),
    ("7.SP.B", "Draw informal comparative inferences about two populations"),
    ("7.SP.C", "Investigate chance processes and develop, use and evaluate probability models"),
)

_STANDARDS: tuple[tuple[str, str], ...] = (
    (
        "7.RP.A.1",
        "Compute unit rates from ratios of fractions, including ratios of lengths, areas and other quantities in like or different units",
    ),
    (
        "7.RP.A.2",
        "Recognize and represent proportional relationships: tables, graphs, equations and the constant of proportionality",
    ),
    (
        "7.RP.A.3",
        "Use proportional relationships to solve multistep ratio and percent problems (tax, tips, discounts, markups, commissions, percent change and error)",
    ),
    (
        "7.NS.A.1",
        "Add and subtract rational numbers; represent sums and differences on a number line and use additive inverses and distance",
    ),
    (
        "7.NS.A.2",
        "Multiply and divide rational numbers, apply sign rules, and convert rational numbers to terminating or repeating decimals",
    ),
    ("7.NS.A.3", "Solve real-world and mathematical problems with the four operations on rational numbers"),
    (
        "7.EE.A.1",
        "Add, subtract, factor and expand linear expressions with rational coefficients using properties of operations",
    ),
    ("7.EE.A.2", "Rewrite an expression in a different form to show how the quantities in a problem are related"),
    (
        "7.EE.B.3",
        "Solve multi-step real-life problems with positive and negative rational numbers in any form and check reasonableness by estimation",
    ),
    (
        "7.EE.B.4",
        "Use variables to write and solve equations of the form px + q = r and p(x + q) = r, and inequalities px + q > r or px + q < r",
    ),
    (
        "7.G.A.1",
        "Solve problems involving scale drawings: compute actual lengths and areas and reproduce a drawing at a different scale",
    ),
    (
        "7.G.A.2",
        "Draw geometric shapes with given conditions, focusing on triangles from three measures of angles or sides",
    ),
    (
        "7.G.A.3",
        "Describe the two-dimensional figures that result from slicing three-dimensional figures such as right prisms and pyramids",
    ),
    (
        "7.G.B.4",
        "Know and use the formulas for the area and circumference of a circle and the relationship between them",
    ),
    (
        "7.G.B.5",
        "Use supplementary, complementary, vertical and adjacent angles to write and solve equations for an unknown angle",
    ),
    (
        "7.G.B.6",
        "Solve real-world problems involving area, volume and surface area of figures made of triangles, quadrilaterals, polygons, cubes and right prisms",
    ),
    (
        "7.SP.A.1",
        "Understand that a representative sample supports inferences about a population and that random sampling tends to produce one",
    ),
    (
        "7.SP.A.2",
        "Use data from a random sample to draw inferences about a population and gauge the variation among samples",
    ),
    (
        "7.SP.B.3",
        "Assess the overlap of two distributions with similar variability by expressing the difference of centers as a multiple of a measure of variability",
    ),
    (
        "7.SP.B.4",
        "Use measures of center and variability from random samples to draw informal comparative inferences about two populations",
    ),
    (
        "7.SP.C.5",
        "Understand that the probability of a chance event is a number from 0 to 1 expressing how likely it is",
    ),
    (
        "7.SP.C.6",
        "Approximate a probability from relative frequencies and predict approximate relative frequencies from a probability",
    ),
    (
        "7.SP.C.7",
        "Develop uniform and non-uniform probability models, use them to find probabilities and compare them with observed frequencies",
    ),
    ("7.SP.C.8", "Find probabilities of compound events using organized lists, tables, tree diagrams and simulation"),
)


def _parent(code: str) -> str:
    return code.rsplit(".", 1)[0]


def build_standards() -> list[StandardSpec]:
    """Return the framework in top-down order (each parent before its children).

    Returns
    -------
    list of StandardSpec
        5 competencies, 9 performance indicators and 24 learning objectives.
    """
    out: list[StandardSpec] = []
    for dcode, dtitle in _DOMAINS:
        out.append(StandardSpec(dcode, dtitle, StandardLevel.competency.value, None))
        for ccode, ctitle in _CLUSTERS:
            if _parent(ccode) != dcode:
                continue
            out.append(StandardSpec(ccode, ctitle, StandardLevel.indicator.value, dcode))
            for scode, stitle in _STANDARDS:
                if _parent(scode) == ccode:
                    out.append(StandardSpec(scode, stitle, StandardLevel.objective.value, ccode))
    return out


OBJECTIVE_ORDER: tuple[str, ...] = tuple(code for code, _ in _STANDARDS)
