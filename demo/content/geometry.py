"""Templates for 7.G: scale drawings, circles, angles, area, surface area and volume."""

from __future__ import annotations

import random
from fractions import Fraction as F

from .item_kit import (
    DIVIDE,
    PI,
    TIMES,
    Draft,
    Reroll,
    art,
    dec,
    frac,
    lin,
    money,
    multi,
    numeric,
    pick,
    rubric,
    single,
    template,
)
from .ratios_proportions import NAMES

# --------------------------------------------------------------------------- 7.G.A.1


@template("7.G.A.1", 5)
def g1_map(rng: random.Random) -> Draft:
    k = rng.choice((5, 8, 10, 12, 15, 20, 25, 40, 50))
    d = F(rng.randint(5, 30), 2)
    key = d * k
    places = pick(
        rng,
        (
            ("Riverton", "Lake City"),
            ("the campground", "the ranger station"),
            ("Oak Park", "the stadium"),
            ("Port Haven", "Millbrook"),
        ),
    )
    stem = f"On a map, 1 centimeter represents {k} kilometers. {places[0].capitalize()} and {places[1]} are {dec(d)} centimeters apart on the map. What is the actual distance between them?"
    rat = f"Each centimeter stands for {k} km, so the distance is {dec(d)} {TIMES} {k} = {dec(key)} km. Dividing {dec(d)} by {k} treats the scale backwards."
    ds = [
        f"{dec(d / k) if (d / k * 10000).denominator == 1 else frac(d / k)} km",
        f"{dec(d + k)} km",
        f"{dec(key / 10)} km",
        f"{dec(key * 10)} km",
    ]
    return single(rng, stem, f"{dec(key)} km", ds, rat, 1, -0.6)


@template("7.G.A.1", 5)
def g1_blueprint(rng: random.Random) -> Draft:
    a, b = F(rng.randint(6, 24), 4), F(rng.randint(6, 24), 4)
    if a == b:
        raise Reroll
    length, width = a * 4, b * 4
    area = length * width
    stem = (
        f"On a floor plan the scale is 1/4 inch = 1 foot. A bedroom on the plan is {frac(a, True)} inches by {frac(b, True)} inches. "
        "What is the actual area of the bedroom, in square feet?"
    )
    rat = f"Each 1/4 inch is 1 foot, so multiply drawing lengths by 4: {frac(a, True)} in → {dec(length)} ft and {frac(b, True)} in → {dec(width)} ft. Area = {dec(length)} {TIMES} {dec(width)} = {dec(area)} square feet."
    return numeric(stem, area, rat, 2, 0.5, tolerance=0.001)


@template("7.G.A.1", 5)
def g1_area_factor(rng: random.Random) -> Draft:
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    s = rng.choice((2, 3, 4, 5))
    if a == b:
        raise Reroll
    name = pick(rng, NAMES)
    stem = (
        f"{name} draws a rectangle {a} cm by {b} cm, then redraws it at a scale factor of {s}. "
        "What is the area of the new rectangle?"
    )
    key = a * b * s * s
    rat = f"New sides are {a * s} cm and {b * s} cm, so the area is {a * s} {TIMES} {b * s} = {key} cm². Areas grow by the square of the scale factor ({s}² = {s * s}), not by {s}."
    ds = [f"{a * b * s} cm²", f"{(a + s) * (b + s)} cm²", f"{a * b * 2 * s} cm²", f"{2 * (a + b) * s} cm²"]
    return single(rng, stem, f"{key} cm²", ds, rat, 2, 0.5)


@template("7.G.A.1", 5)
def g1_find_scale(rng: random.Random) -> Draft:
    model = rng.choice((4, 5, 6, 8, 10, 12, 15))
    k = F(rng.choice((2, 3, 4, 5, 6, 8, 10)), rng.choice((1, 2)))
    actual = model * k
    if actual.denominator != 1:
        raise Reroll
    thing = pick(rng, ("school bus", "sailboat", "dinosaur skeleton", "fire truck", "airplane"))
    stem = f"A model of a {thing} is {model} inches long. The real {thing} is {actual} feet long. What scale was used for the model?"
    key = f"1 inch represents {dec(k)} feet"
    rat = f"Divide actual length by model length: {actual} ft {DIVIDE} {model} in = {dec(k)} feet per inch."
    ds = [
        f"1 inch represents {frac(1 / k) if (1 / k * 100).denominator != 1 else dec(1 / k)} feet",
        f"1 inch represents {actual - model} feet",
        f"1 inch represents {actual} feet",
        f"1 inch represents {dec(k * 12)} feet",
    ]
    return single(rng, stem, key, ds, rat, 2, 0.1)


@template("7.G.A.1", 2)
def g1_redraw_rubric(rng: random.Random) -> Draft:
    s1 = rng.choice((2, 4, 5))
    s2 = rng.choice((1, 10))
    L, W = rng.choice((6, 8, 10, 12)), rng.choice((3, 4, 5))
    if s1 == s2:
        raise Reroll
    stem = (
        f"A scale drawing of a park uses 1 cm = {s1} m. On the drawing the park is a rectangle {L} cm by {W} cm. "
        f"Redraw the park at a new scale of 1 cm = {s2} m: give the new dimensions on paper, the actual dimensions and actual area, and explain how you know."
    )
    aL, aW = L * s1, W * s1
    ex = (
        f"Actual park: {L} {TIMES} {s1} = {aL} m by {W} {TIMES} {s1} = {aW} m, area {aL * aW} m². New drawing: {aL} {DIVIDE} {s2} = {dec(F(aL, s2))} cm by "
        f"{aW} {DIVIDE} {s2} = {dec(F(aW, s2))} cm. The actual size does not change; only the drawing does."
    )
    levels = (
        "No correct dimension.",
        "Finds the actual dimensions or the new drawing dimensions, but not both, or multiplies the drawing lengths by the ratio of scales incorrectly.",
        f"Finds the actual park ({aL} m by {aW} m, {aL * aW} m²) and the new drawing ({dec(F(aL, s2))} cm by {dec(F(aW, s2))} cm) with work shown.",
        "Meets the standard and explains that the actual size stays the same while drawing lengths change by the factor "
        f"{s1}/{s2}, and that areas on paper change by the square of that factor.",
    )
    return rubric(stem, ex, levels, 3, 1.0)


# --------------------------------------------------------------------------- 7.G.B.4


@template("7.G.B.4", 5)
def g4_circumference(rng: random.Random) -> Draft:
    thing, unit, lo, hi = pick(
        rng,
        (
            ("a circular garden", "feet", 6, 40),
            ("a round table", "inches", 30, 72),
            ("a clock face", "inches", 8, 24),
            ("a circular pool", "feet", 8, 30),
            ("a drum", "inches", 10, 28),
        ),
    )
    d = rng.randint(lo, hi)
    use_r = rng.random() < 0.5
    given = f"a radius of {dec(F(d, 2))}" if use_r else f"a diameter of {d}"
    stem = f"{thing.capitalize()} has {given} {unit}. What is its circumference? Use 3.14 for π."
    key = PI * d
    rat = f"C = πd = 3.14 {TIMES} {d} = {dec(key)} {unit}" + (
        f" (the diameter is 2 {TIMES} {dec(F(d, 2))} = {d})." if use_r else "."
    )
    ds = [dec(PI * d / 2), dec(PI * F(d, 2) ** 2), dec(PI * 2 * d), dec(PI * d * d / 4 * 2)]
    return single(rng, stem, f"{dec(key)} {unit}", [f"{x} {unit}" for x in ds], rat, 1, -0.3 + 0.2 * use_r)


@template("7.G.B.4", 5)
def g4_area(rng: random.Random) -> Draft:
    thing, unit, lo, hi = pick(
        rng,
        (
            ("circular rug", "feet", 2, 6),
            ("round mirror", "inches", 6, 18),
            ("circular flower bed", "feet", 3, 12),
            ("round tablecloth", "inches", 24, 40),
        ),
    )
    r = rng.randint(lo, hi)
    stem = f"A {thing} has a radius of {r} {unit}. What is its area? Use 3.14 for π."
    key = PI * r * r
    unit = f"square {unit}"
    rat = f"A = πr² = 3.14 {TIMES} {r}² = 3.14 {TIMES} {r * r} = {dec(key)} {unit}. Multiplying by 2r instead of r² gives the circumference."
    ds = [dec(PI * 2 * r), dec(PI * (2 * r) ** 2), dec(PI * r * 2), dec(PI * r)]
    return single(rng, stem, f"{dec(key)} {unit}", [f"{x} {unit}" for x in ds], rat, 1, -0.1)


@template("7.G.B.4", 5)
def g4_pizza(rng: random.Random) -> Draft:
    d = rng.choice((8, 10, 12, 14, 16, 18, 20))
    stem = f"A pizza has a diameter of {d} inches. What is the area of the top of the pizza, in square inches? Use 3.14 for π."
    key = PI * F(d, 2) ** 2
    rat = f"The radius is {d} {DIVIDE} 2 = {d // 2} in, so A = 3.14 {TIMES} {d // 2}² = 3.14 {TIMES} {(d // 2) ** 2} = {dec(key)} in². Using the diameter in place of the radius gives an area 4 times too large."
    return numeric(stem, key, rat, 2, 0.2, tolerance=0.01)


@template("7.G.B.4", 5)
def g4_radius_from_c(rng: random.Random) -> Draft:
    r = F(rng.randint(2, 30), rng.choice((1, 2)))
    c = PI * 2 * r
    stem = f"The circumference of a circular track is {dec(c)} meters. What is the radius of the track, in meters? Use 3.14 for π."
    rat = f"C = 2πr, so r = C {DIVIDE} (2 {TIMES} 3.14) = {dec(c)} {DIVIDE} 6.28 = {dec(r)} m. Dividing by 3.14 only gives the diameter."
    return numeric(stem, r, rat, 2, 0.5, tolerance=0.01)


@template("7.G.B.4", 4)
def g4_wheel(rng: random.Random) -> Draft:
    d = rng.choice((20, 24, 26, 28, 30))
    turns = rng.choice((10, 25, 50, 100))
    key = PI * d * turns
    stem = f"A bicycle wheel has a diameter of {d} inches. How far does the bicycle travel when the wheel turns {turns} times? Use 3.14 for π."
    rat = f"One turn covers one circumference: 3.14 {TIMES} {d} = {dec(PI * d)} in. {turns} turns: {dec(PI * d)} {TIMES} {turns} = {dec(key)} inches."
    ds = [PI * d / 2 * turns, PI * (F(d, 2)) ** 2 * turns, PI * d * 2 * turns, F(d * turns)]
    return single(rng, stem, f"{dec(key)} inches", [f"{dec(x)} inches" for x in ds], rat, 2, 0.3)


@template("7.G.B.4", 2)
def g4_deal_rubric(rng: random.Random) -> Draft:
    d1, d2 = rng.choice(((10, 14), (12, 16), (8, 12), (10, 16)))
    p1 = F(rng.randrange(800, 1100, 50), 100)
    p2 = F(rng.randrange(1300, 1900, 50), 100)
    a1, a2 = PI * F(d1, 2) ** 2, PI * F(d2, 2) ** 2
    u1, u2 = p1 / a1, p2 / a2
    better = f"the {d1}-inch pizza" if u1 < u2 else f"the {d2}-inch pizza"
    stem = (
        f"{art(str(d1)).capitalize()} {d1}-inch pizza costs {money(p1)} and {art(str(d2))} {d2}-inch pizza costs {money(p2)} (the sizes are diameters). "
        "Which pizza is the better buy? Use the area of each pizza (π ≈ 3.14) and the cost per square inch to justify your answer."
    )
    ex = (
        f"Areas: 3.14 {TIMES} {d1 // 2}² = {dec(a1)} in² and 3.14 {TIMES} {d2 // 2}² = {dec(a2)} in². Cost per square inch: "
        f"about ${float(u1):.3f} and ${float(u2):.3f}, so {better} is the better buy."
    )
    levels = (
        "Compares only the prices or diameters, or gives no justification.",
        "Finds one or both areas (or uses circumference) but does not compute or compare cost per square inch correctly.",
        f"Finds both areas ({dec(a1)} and {dec(a2)} in²), both costs per square inch, and names {better}.",
        "Meets the standard and explains why area (not diameter) measures the amount of pizza, noting that doubling the diameter multiplies the area by 4.",
    )
    return rubric(stem, ex, levels, 3, 1.0)


# --------------------------------------------------------------------------- 7.G.B.5


def _lin_deg(a: int, b: int) -> str:
    return f"({lin(a, 'x', b)})°"


@template("7.G.B.5", 5)
def g5_supplementary(rng: random.Random) -> Draft:
    a, c = rng.randint(1, 6), rng.randint(1, 6)
    x = rng.randint(5, 30)
    b = rng.randint(-20, 30)
    d = 180 - (a + c) * x - b
    if not -40 <= d <= 60 or a * x + b <= 0 or c * x + d <= 0:
        raise Reroll
    stem = f"Two angles are supplementary. Their measures are {_lin_deg(a, b)} and {_lin_deg(c, d)}. What is the value of x?"
    rat = f"Supplementary angles sum to 180°: {lin(a + c, 'x', b + d)} = 180, so {a + c}x = {180 - b - d} and x = {x}."
    cands = [F(90 - b - d, a + c), F(180 + b + d, a + c), F(a * x + b), F(c * x + d), F(180 - b - d)]
    ds = [dec(v) for v in cands if v > 0 and (v * 10).denominator == 1]
    return single(rng, stem, str(x), ds, rat, 2, 0.3)


@template("7.G.B.5", 5)
def g5_complementary(rng: random.Random) -> Draft:
    small = rng.randint(10, 35)
    mult = rng.choice((2, 3))
    extra = 90 - small - mult * small
    if extra <= 0 or extra > 40:
        raise Reroll
    stem = f"Two angles are complementary. The larger angle is {extra}° more than {mult} times the smaller angle. What is the measure of the smaller angle, in degrees?"
    rat = f"x + ({mult}x + {extra}) = 90, so {mult + 1}x = {90 - extra} and x = {small}°. The larger angle is {mult * small + extra}°."
    return numeric(stem, small, rat, 2, 0.6, tolerance=0)


@template("7.G.B.5", 5)
def g5_vertical(rng: random.Random) -> Draft:
    a, c = rng.randint(3, 8), rng.randint(1, 5)
    if a == c:
        raise Reroll
    x = rng.randint(6, 25)
    b = rng.randint(-30, 10)
    d = (a - c) * x + b
    angle = a * x + b
    if not 10 < angle < 170:
        raise Reroll
    stem = f"Two lines intersect. A pair of vertical angles measure {_lin_deg(a, b)} and {_lin_deg(c, d)}. What is the measure of each of these angles?"
    key = f"{angle}°"
    rat = (
        f"Vertical angles are equal: {lin(a, 'x', b)} = {lin(c, 'x', d)}, so {lin(a - c, 'x')} = {d - b} and x = {x}. "
        f"Each angle is {a} {TIMES} {x} {'+' if b >= 0 else '−'} {abs(b)} = {angle}°."
    )
    ds = [f"{x}°", f"{180 - angle}°", f"{90 - angle}°" if angle < 90 else f"{angle - 90}°", f"{angle + 10}°"]
    return single(rng, stem, key, ds, rat, 2, 0.4)


@template("7.G.B.5", 4)
def g5_pairs(rng: random.Random) -> Draft:
    kind = rng.choice(("complementary", "supplementary"))
    total = 90 if kind == "complementary" else 180
    other = 180 if total == 90 else 90
    correct, incorrect = [], []
    while len(correct) < 3:
        a = rng.randint(5, total - 5)
        t = f"{a}° and {total - a}°"
        if t not in correct:
            correct.append(t)
    while len(incorrect) < 3:
        a = rng.randint(5, 85)
        t = f"{a}° and {other - a}°" if rng.random() < 0.6 else f"{a}° and {a + rng.randint(1, 9)}°"
        parts = [int(s.strip("°")) for s in t.split(" and ")]
        if sum(parts) != total and t not in incorrect:
            incorrect.append(t)
    k = rng.randint(1, 3)
    stem = f"Which pairs of angle measures are {kind}? Select all that apply."
    rat = f"{kind.capitalize()} angles have measures that add to {total}°. Pairs adding to {other}° are {'supplementary' if other == 180 else 'complementary'} instead, a common mix-up."
    return multi(rng, stem, correct[:k], incorrect[: 5 - k if k > 1 else 3], rat, 1, -0.4)


@template("7.G.B.5", 4)
def g5_adjacent(rng: random.Random) -> Draft:
    whole = rng.choice((90, 180))
    a = rng.randint(2, 5)
    x = rng.randint(5, 25)
    known = whole - a * x
    if not 10 <= known <= whole - 10:
        raise Reroll
    word = "right angle" if whole == 90 else "straight angle (a line)"
    stem = f"Two adjacent angles together form a {word}. One measures {known}° and the other measures ({a}x)°. What is the value of x?"
    rat = f"{known} + {a}x = {whole}, so {a}x = {whole - known} and x = {x}."
    other = 180 if whole == 90 else 90
    cands = [F(other - known, a), F(whole - known), F(whole + known, a), F(x + 2)]
    ds = [dec(v) for v in cands if v > 0 and (v * 10).denominator == 1]
    return single(rng, stem, str(x), ds, rat, 2, 0.0)


@template("7.G.B.5", 2)
def g5_explain_rubric(rng: random.Random) -> Draft:
    a1 = rng.randint(25, 70)
    stem = (
        f"Two lines intersect, forming four angles. One angle measures {a1}°. Find the measures of the other three angles. "
        "For each one, name the angle relationship you used (vertical, supplementary, adjacent) and write an equation."
    )
    ex = f"The adjacent angles are supplementary: 180 − {a1} = {180 - a1}°, twice. The angle opposite the {a1}° angle is vertical to it, so it is also {a1}°. Check: {a1} + {180 - a1} + {a1} + {180 - a1} = 360."
    levels = (
        "No correct angle measure.",
        "Finds some measures correctly but names no relationship, or confuses supplementary with complementary.",
        f"Finds {180 - a1}°, {a1}° and {180 - a1}° and names the relationship and equation for each.",
        "Meets the standard and adds a check (the four angles sum to 360°) or explains why vertical angles are equal (both are supplementary to the same angle).",
    )
    return rubric(stem, ex, levels, 2, 0.5)


# --------------------------------------------------------------------------- 7.G.B.6


@template("7.G.B.6", 5)
def g6_prism_volume(rng: random.Random) -> Draft:
    l, w = rng.randint(8, 30), rng.randint(6, 16)
    h = F(rng.randint(8, 36), 2)
    thing = pick(rng, ("fish tank", "planter box", "shipping box", "storage bin"))
    stem = f"A {thing} is a rectangular prism {l} inches long, {w} inches wide and {dec(h)} inches tall. What is its volume?"
    vol = l * w * h
    sa = 2 * (l * w + l * h + w * h)
    rat = f"V = l {TIMES} w {TIMES} h = {l} {TIMES} {w} {TIMES} {dec(h)} = {dec(vol)} cubic inches. Adding the dimensions or finding surface area measures something else."
    ds = [
        f"{dec(sa)} cubic inches",
        f"{dec(l + w + h)} cubic inches",
        f"{dec(l * w)} cubic inches",
        f"{dec(vol / 2)} cubic inches",
    ]
    return single(rng, stem, f"{dec(vol)} cubic inches", ds, rat, 1, -0.6)


@template("7.G.B.6", 5)
def g6_triangular_prism(rng: random.Random) -> Draft:
    b, h = rng.randint(3, 12), rng.randint(2, 10)
    L = rng.randint(5, 20)
    vol = F(b * h, 2) * L
    thing = pick(rng, ("camping tent", "skateboard ramp", "attic space", "hay shelter"))
    stem = (
        f"{'An' if thing[0] in 'aeiou' else 'A'} {thing} is shaped like a triangular prism. Its triangular base has a base of {b} feet and a height of {h} feet, "
        f"and the prism is {L} feet long. What is its volume, in cubic feet?"
    )
    rat = f"Area of the triangle = 1/2 {TIMES} {b} {TIMES} {h} = {dec(F(b * h, 2))} ft²; V = base area {TIMES} length = {dec(F(b * h, 2))} {TIMES} {L} = {dec(vol)} ft³. Forgetting the 1/2 doubles the answer."
    return numeric(stem, vol, rat, 2, 0.4, tolerance=0.001)


@template("7.G.B.6", 5)
def g6_surface_area(rng: random.Random) -> Draft:
    l, w, h = rng.randint(4, 20), rng.randint(3, 15), rng.randint(2, 12)
    if len({l, w, h}) < 3:
        raise Reroll
    sa = 2 * (l * w + l * h + w * h)
    stem = f"A closed cardboard box is {l} cm long, {w} cm wide and {h} cm tall. How much cardboard is needed to make it (its surface area)?"
    rat = f"SA = 2(lw + lh + wh) = 2({l * w} + {l * h} + {w * h}) = {sa} cm²: six rectangular faces in three matching pairs."
    ds = [
        f"{l * w * h} cm²",
        f"{l * w + l * h + w * h} cm²",
        f"{2 * l * w + l * h + w * h} cm²",
        f"{4 * (l + w + h)} cm²",
    ]
    return single(rng, stem, f"{sa} cm²", ds, rat, 2, 0.3)


@template("7.G.B.6", 5)
def g6_composite_area(rng: random.Random) -> Draft:
    W, H = rng.randint(10, 30), rng.randint(8, 24)
    cw, ch = rng.randint(2, W - 4), rng.randint(2, H - 4)
    area = W * H - cw * ch
    stem = (
        f"A patio is {art(str(W))} {W} ft by {H} ft rectangle with {art(str(cw))} {cw} ft by {ch} ft rectangular corner cut out for a flower bed, making an L shape. "
        "What is the area of the patio, in square feet?"
    )
    rat = f"Area = whole rectangle − cut-out = {W} {TIMES} {H} − {cw} {TIMES} {ch} = {W * H} − {cw * ch} = {area} ft²."
    return numeric(stem, area, rat, 2, 0.1, tolerance=0)


@template("7.G.B.6", 4)
def g6_trapezoid(rng: random.Random) -> Draft:
    b1, b2 = rng.randint(4, 18), rng.randint(6, 24)
    h = rng.randint(3, 12)
    if b1 == b2:
        raise Reroll
    area = F((b1 + b2) * h, 2)
    stem = f"A garden bed is shaped like a trapezoid with parallel sides of {b1} m and {b2} m and a height of {h} m. What is its area?"
    rat = f"A = 1/2 {TIMES} (b₁ + b₂) {TIMES} h = 1/2 {TIMES} ({b1} + {b2}) {TIMES} {h} = {dec(area)} m². You can also split it into a rectangle and triangles."
    ds = [f"{(b1 + b2) * h} m²", f"{b1 * b2 * h} m²", f"{dec(F(b1 * b2, 2))} m²", f"{b1 + b2 + h} m²"]
    return single(rng, stem, f"{dec(area)} m²", ds, rat, 2, 0.4)


@template("7.G.B.6", 2)
def g6_paint_rubric(rng: random.Random) -> Draft:
    l, w, h = rng.randint(10, 16), rng.randint(9, 14), rng.choice((8, 9, 10))
    dw, dh = 3, 7
    cover = rng.choice((90, 100, 110))
    walls = 2 * (l * h + w * h)
    paint_area = walls - dw * dh
    cans = -(-paint_area // cover)
    stem = (
        f"A bedroom is {l} ft long, {w} ft wide and {h} ft tall. The four walls will be painted, but not the {dw} ft by {dh} ft door. "
        f"One quart can of paint covers about {cover} square feet with one coat. How many cans are needed? Show your work and explain each step."
    )
    ex = f"Walls: 2({l} {TIMES} {h}) + 2({w} {TIMES} {h}) = {walls} ft²; minus the door {dw * dh} ft² gives {paint_area} ft². {paint_area} {DIVIDE} {cover} = {dec(F(paint_area, cover))}, so {cans} cans (round up)."
    levels = (
        "No correct area.",
        "Finds the area of some walls, or includes the floor or ceiling, or forgets the door, or does not round up.",
        f"Finds the wall area {walls} ft², subtracts the door to get {paint_area} ft², and concludes {cans} cans.",
        "Meets the standard and explains why the answer is rounded up and what would change for a second coat.",
    )
    return rubric(stem, ex, levels, 3, 0.9)


# --------------------------------------------------------------------------- 7.G.A.3

# (solid, how it is sliced, shape of the cross-section, shapes it is easily confused with, why)
SLICES: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    (
        "a cube",
        "parallel to one of its faces",
        "square",
        ("triangle", "hexagon", "circle", "trapezoid"),
        "A cut parallel to a face crosses the four faces around it, so the section is a copy of that square face.",
    ),
    (
        "a cube",
        "through the three corners next to one corner, cutting that corner off",
        "triangle",
        ("square", "hexagon", "rectangle that is not a square", "pentagon"),
        "The cut crosses only the three faces that meet at the removed corner, one straight side on each, so the section is a triangle (with equal sides, the face diagonals).",
    ),
    (
        "a right square pyramid",
        "parallel to its base",
        "square",
        ("triangle", "trapezoid", "pentagon", "circle"),
        "A cut parallel to the base crosses all four triangular faces and makes a smaller copy of the square base.",
    ),
    (
        "a right square pyramid",
        "perpendicular to its base, through the top vertex",
        "triangle",
        ("square", "trapezoid", "rectangle", "pentagon"),
        "The cut goes from the top vertex down to a segment across the base, so the section has three sides: a triangle.",
    ),
    (
        "a right square pyramid",
        "perpendicular to its base and parallel to one base edge, but not through the top vertex",
        "trapezoid",
        ("triangle", "square", "rectangle", "circle"),
        "The section has a side on the base and a shorter parallel side higher up, with two slanted sides on the faces: a trapezoid. Only a cut through the vertex gives a triangle.",
    ),
    (
        "a cylinder",
        "parallel to its bases",
        "circle",
        ("rectangle", "oval that is not a circle", "triangle", "square"),
        "Every cut parallel to the bases is a copy of the circular base.",
    ),
    (
        "a cylinder",
        "perpendicular to its bases, through the centers of both bases",
        "rectangle",
        ("circle", "triangle", "trapezoid", "oval"),
        "The cut runs straight down the curved surface on both sides; its width is a diameter and its height is the cylinder's height, so the section is a rectangle.",
    ),
    (
        "a cone",
        "parallel to its base",
        "circle",
        ("triangle", "rectangle", "trapezoid", "square"),
        "Every cut parallel to the base of a cone is a circle, smaller than the base the closer it is to the vertex.",
    ),
    (
        "a cone",
        "perpendicular to its base, through the top vertex",
        "triangle",
        ("circle", "rectangle", "trapezoid", "square"),
        "The cut goes from the vertex to a diameter of the base: two slanted sides and the diameter make a triangle.",
    ),
    (
        "a right triangular prism",
        "parallel to its triangular bases",
        "triangle",
        ("rectangle", "square", "trapezoid", "pentagon"),
        "A cut parallel to the bases of a prism is a copy of the base, here a triangle.",
    ),
)


@template("7.G.A.3", 8)
def g3_shape(rng: random.Random) -> Draft:
    solid, how, shape, confusions, why = pick(rng, SLICES)
    who = pick(rng, NAMES)
    tool = pick(
        rng, ("a block of clay shaped like", "a foam model of", "a wooden model of", "a block of cheese shaped like")
    )
    stem = f"{who} slices {tool} {solid} with a straight cut {how}. What is the shape of the cross-section?"
    shape_text = f"a {shape}" if shape[0] not in "aeiou" else f"an {shape}"
    ds = [f"a {c}" if c[0] not in "aeiou" else f"an {c}" for c in confusions]
    return single(rng, stem, shape_text, ds, why, 1, -0.5 + 0.4 * (shape in ("trapezoid",)) + 0.3 * ("corner" in how))


@template("7.G.A.3", 7)
def g3_area(rng: random.Random) -> Draft:
    kind = rng.choice(("prism_base", "prism_side", "cylinder_base", "cylinder_axis"))
    if kind.startswith("prism"):
        l, w, h = rng.sample(range(3, 16), 3)
        if kind == "prism_base":
            stem = f"A right rectangular prism is {l} cm long, {w} cm wide and {h} cm tall. It is sliced parallel to its base. What is the area of the cross-section, in square centimeters?"
            area = F(l * w)
            rat = f"A slice parallel to the base is a rectangle congruent to the base: {l} {TIMES} {w} = {l * w} cm². The height does not change it."
        else:
            stem = f"A right rectangular prism is {l} cm long, {w} cm wide and {h} cm tall. It is sliced perpendicular to its base, parallel to the {w} cm by {h} cm face. What is the area of the cross-section, in square centimeters?"
            area = F(w * h)
            rat = f"The slice is a rectangle congruent to the {w} cm by {h} cm face: {w} {TIMES} {h} = {w * h} cm²."
        return numeric(stem, area, rat, 2, 0.3, tolerance=0)
    r, h = rng.randint(2, 12), rng.randint(5, 20)
    if kind == "cylinder_base":
        stem = f"A cylinder has a radius of {r} inches and a height of {h} inches. It is sliced parallel to its bases. What is the area of the cross-section, in square inches? Use 3.14 for π."
        area = PI * r * r
        rat = f"The slice is a circle congruent to the base: 3.14 {TIMES} {r}² = {dec(area)} in²."
        return numeric(stem, area, rat, 2, 0.5, tolerance=0.01)
    stem = f"A cylinder has a radius of {r} inches and a height of {h} inches. It is sliced straight down through the centers of both bases. What is the area of the cross-section, in square inches?"
    area = F(2 * r * h)
    rat = f"The slice is a rectangle {2 * r} in wide (a diameter) and {h} in tall: {2 * r} {TIMES} {h} = {2 * r * h} in². Using the radius instead of the diameter gives half of it."
    return numeric(stem, area, rat, 3, 0.9, tolerance=0)


@template("7.G.A.3", 4)
def g3_cube_sections(rng: random.Random) -> Draft:
    possible = ["square", "rectangle", "triangle", "hexagon", "trapezoid", "pentagon"]
    impossible = ["circle", "octagon", "heptagon"]
    k = rng.randint(2, 3)
    correct = rng.sample(possible, k)
    incorrect = rng.sample(impossible, min(3, 5 - k))
    stem = "A cube can be sliced by a single flat cut in many directions. Which shapes can be cross-sections of a cube? Select all that apply."
    rat = (
        "A cut meets at most six faces of a cube, one side per face, and each side is a straight segment: cross-sections have 3 to 6 straight sides "
        "(triangles, squares, rectangles, trapezoids, pentagons, hexagons). A circle has no straight sides, and a cube has only 6 faces, so no 7- or 8-sided section."
    )
    return multi(rng, stem, correct, incorrect, rat, 2, 0.9)


@template("7.G.A.3", 2)
def g3_describe_rubric(rng: random.Random) -> Draft:
    l, w, h = rng.sample(range(4, 13), 3)
    stem = (
        f"A right rectangular prism is {l} in long, {w} in wide and {h} in tall. Describe the cross-section you get when you slice it "
        "(a) parallel to the base, (b) parallel to the front face (length by height), and (c) parallel to the side face (width by height). "
        "Give the shape, its dimensions and its area for each, and explain why."
    )
    ex = (
        f"(a) {art(str(l))} {l} by {w} rectangle, {l * w} in²; (b) {art(str(l))} {l} by {h} rectangle, {l * h} in²; (c) {art(str(w))} {w} by {h} rectangle, {w * h} in². "
        "A slice parallel to a face of a right prism is congruent to that face, wherever it is made."
    )
    levels = (
        "No correct shape or dimension.",
        "Names rectangles but gives wrong or missing dimensions or areas for two or more slices.",
        f"Gives all three rectangles with correct dimensions and areas ({l * w}, {l * h} and {w * h} in²).",
        "Meets the standard and explains that the cross-section does not depend on where the parallel cut is made, and contrasts this with a pyramid, whose parallel slices shrink.",
    )
    return rubric(stem, ex, levels, 3, 0.9)


# --------------------------------------------------------------------------- 7.G.A.2


def _is_triangle(a: int, b: int, c: int) -> bool:
    x, y, z = sorted((a, b, c))
    return x + y > z


@template("7.G.A.2", 6)
def g2_side_sets(rng: random.Random) -> Draft:
    correct: list[str] = []
    incorrect: list[str] = []
    k = rng.randint(2, 3)
    for _ in range(200):
        a, b = rng.randint(2, 15), rng.randint(2, 15)
        c = rng.randint(1, a + b + 3)
        text = f"{a} cm, {b} cm, {c} cm"
        bucket = correct if _is_triangle(a, b, c) else incorrect
        target = k if bucket is correct else 5 - k
        if len(bucket) < target and text not in bucket:
            if bucket is incorrect and len(incorrect) == 0 and a + b != c and rng.random() < 0.5:
                c2 = a + b  # include a degenerate set: the sum equals the third side
                text = f"{a} cm, {b} cm, {c2} cm"
            bucket.append(text)
        if len(correct) == k and len(incorrect) == 5 - k:
            break
    stem = "Which sets of side lengths can form a triangle? Select all that apply."
    rat = "Three lengths form a triangle only when the two shorter sides add up to more than the longest side (triangle inequality). If the sum is equal or less, the sides lie flat or cannot meet."
    return multi(rng, stem, correct, incorrect, rat, 2, 0.3)


@template("7.G.A.2", 5)
def g2_third_side(rng: random.Random) -> Draft:
    a, b = rng.randint(3, 15), rng.randint(3, 15)
    if a == b:
        raise Reroll
    lo, hi = abs(a - b), a + b
    key = rng.randint(lo + 1, hi - 1)
    what = pick(rng, ("a triangular garden bed", "a triangular sail", "a triangular patio"))
    stem = f"Two sides of {what} are {a} feet and {b} feet long. Which could be the length of the third side?"
    ds = [
        f"{hi} feet",
        f"{lo} feet",
        f"{hi + rng.randint(1, 6)} feet",
        f"{max(1, lo - 1)} feet" if lo > 1 else f"{hi + 7} feet",
    ]
    rat = f"The third side must be greater than {b if b > a else a} − {a if b > a else b} = {lo} and less than {a} + {b} = {hi}. Only {key} feet is between them; a side equal to {hi} would make the triangle flat."
    return single(rng, stem, f"{key} feet", ds, rat, 2, 0.4)


@template("7.G.A.2", 4)
def g2_longest_whole(rng: random.Random) -> Draft:
    a, b = rng.randint(3, 20), rng.randint(3, 20)
    name = pick(rng, NAMES)
    stem = f"{name} is building a triangle from straws. Two straws are {a} cm and {b} cm long. What is the greatest whole-number length, in centimeters, that the third straw can have?"
    key = a + b - 1
    rat = f"The third side must be less than {a} + {b} = {a + b} cm (triangle inequality), so the greatest whole number is {key} cm. {art(str(a + b)).capitalize()} {a + b} cm straw would lie flat along the other two."
    return numeric(stem, key, rat, 2, 0.5, tolerance=0)


@template("7.G.A.2", 5)
def g2_how_many(rng: random.Random) -> Draft:
    kind = rng.choice(("angles_ok", "angles_bad", "sides_ok", "sides_bad"))
    options = ("exactly one", "more than one (same shape, different sizes)", "no triangle", "exactly two")
    if kind.startswith("angles"):
        a, b = rng.randint(25, 80), rng.randint(25, 80)
        c = 180 - a - b if kind == "angles_ok" else 180 - a - b + rng.choice((-15, -10, 10, 15))
        if c <= 5:
            raise Reroll
        stem = f"How many different triangles can be drawn with angles of {a}°, {b}° and {c}°?"
        key = options[1] if a + b + c == 180 else options[2]
        rat = f"The angles add to {a + b + c}°. " + (
            "A triangle's angles add to 180°, so such triangles exist, but the angles fix only the shape: they can be drawn in any size."
            if a + b + c == 180
            else "A triangle's angles must add to 180°, so no triangle has these angles."
        )
    else:
        a, b = rng.randint(3, 12), rng.randint(3, 12)
        c = rng.randint(abs(a - b) + 1, a + b - 1) if kind == "sides_ok" else a + b + rng.randint(0, 4)
        stem = f"How many different triangles can be drawn with sides of {a} cm, {b} cm and {c} cm?"
        ok = _is_triangle(a, b, c)
        key = options[0] if ok else options[2]
        rat = f"{min(a, b, c)} + {sorted((a, b, c))[1]} = {sum(sorted((a, b, c))[:2])}, which is " + (
            f"greater than {max(a, b, c)}, so the sides form a triangle, and three given sides fix it exactly: one triangle (any copy is congruent)."
            if ok
            else f"not greater than {max(a, b, c)}, so the sides cannot meet: no triangle."
        )
    ds = [o for o in options if o != key]
    return single(rng, stem, key[0].upper() + key[1:], [d[0].upper() + d[1:] for d in ds], rat, 2, 0.6)


@template("7.G.A.2", 2)
def g2_construct_rubric(rng: random.Random) -> Draft:
    a, b = rng.randint(4, 10), rng.randint(4, 10)
    angle = rng.choice((40, 50, 60, 70, 80, 100, 110))
    stem = (
        f"Use a ruler and protractor to draw a triangle with sides of {a} cm and {b} cm and {art(str(angle))} {angle}° angle between them. "
        "Then decide: would every classmate who follows these directions draw the same triangle? What if the angle were not between the two sides? Explain."
    )
    ex = (
        f"Draw {art(str(a))} {a} cm segment, measure {art(str(angle))} {angle}° angle at one end, mark {b} cm along that ray and join the endpoints. Two sides and the included angle "
        "fix the triangle, so everyone draws the same (congruent) triangle. If the angle is not between the given sides, there may be two different triangles, one, or none."
    )
    levels = (
        "No accurate drawing and no reasoning.",
        f"Draws a triangle with some given measures correct (for example the {angle}° angle in the wrong place) or answers the question without reasons.",
        "Draws the triangle accurately and explains that two sides and the included angle give one unique triangle.",
        "Meets the standard and explains, with a sketch or example, why a non-included angle can give two triangles or none.",
    )
    return rubric(stem, ex, levels, 3, 1.1)
