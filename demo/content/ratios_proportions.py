"""Templates for 7.RP: unit rates, proportional relationships, percent problems."""

from __future__ import annotations

import random
from fractions import Fraction as F

from .figures import LineGraph, Table
from .item_kit import (
    DIVIDE,
    TIMES,
    Draft,
    Reroll,
    art,
    dec,
    frac,
    money,
    multi,
    numeric,
    pct,
    pick,
    rubric,
    single,
    template,
)

NAMES = ("Maya", "Jamal", "Sofia", "Liam", "Aisha", "Diego", "Priya", "Noah", "Elena", "Kenji", "Zara", "Marcus")
NICE_FRACS = (
    F(1, 2),
    F(1, 3),
    F(2, 3),
    F(1, 4),
    F(3, 4),
    F(1, 5),
    F(2, 5),
    F(3, 5),
    F(1, 6),
    F(5, 6),
    F(3, 8),
    F(5, 8),
)


# --------------------------------------------------------------------------- 7.RP.A.1


@template("7.RP.A.1", 6)
def rp1_walk(rng: random.Random) -> Draft:
    name = pick(rng, NAMES)
    dist, time = pick(rng, NICE_FRACS), pick(rng, NICE_FRACS)
    key = dist / time
    if dist == time or not 1 < key <= 5:  # a walking pace
        raise Reroll
    stem = (
        f"{name} walks {frac(dist)} mile in {frac(time)} hour. "
        f"At this rate, how many miles does {name} walk in one hour?"
    )
    rat = (
        f"Unit rate = distance {DIVIDE} time = {frac(dist)} {DIVIDE} {frac(time)} = "
        f"{frac(dist)} {TIMES} {frac(1 / time)} = {frac(key, mixed=True)} miles per hour. "
        f"Dividing time by distance gives hours per mile, the inverted rate."
    )
    ds = [frac(1 / key, True), frac(dist * time, True), frac(dist + time, True), frac(abs(dist - time), True)]
    return single(rng, stem, frac(key, True), ds, rat, 1, -0.4 + 0.3 * (key.denominator > 1))


@template("7.RP.A.1", 5)
def rp1_recipe(rng: random.Random) -> Draft:
    sugar, flour = pick(rng, NICE_FRACS), pick(rng, (F(1, 2), F(2, 3), F(3, 4), F(1, 4), F(5, 4), F(3, 2)))
    if sugar == flour:
        raise Reroll
    key = sugar / flour
    stem = (
        f"A muffin recipe uses {frac(sugar)} cup of sugar for every {frac(flour, True)} {'cup' if flour <= 1 else 'cups'} of flour. "
        "How many cups of sugar does the recipe use per cup of flour?"
    )
    rat = (
        f"Sugar per cup of flour = {frac(sugar)} {DIVIDE} {frac(flour, True)} = {frac(key, True)} {'cup' if key <= 1 else 'cups'}. "
        "Dividing flour by sugar instead gives cups of flour per cup of sugar."
    )
    ds = [
        frac(1 / key, True),
        frac(sugar * flour, True),
        frac(flour - sugar, True) if flour > sugar else frac(sugar + flour, True),
        frac(sugar + flour, True),
    ]
    return single(rng, stem, frac(key, True), ds, rat, 1, -0.2)


@template("7.RP.A.1", 6)
def rp1_price(rng: random.Random) -> Draft:
    weight = pick(rng, (F(1, 2), F(1, 4), F(3, 4), F(2, 5), F(3, 8), F(5, 8), F(3, 2)))
    unit = F(rng.randrange(160, 1200, 8), 100)  # dollars per pound, whole cents
    price = unit * weight
    if (price * 100).denominator != 1:
        raise Reroll
    food = pick(rng, ("trail mix", "cheddar cheese", "roasted almonds", "dried mango", "coffee beans", "smoked turkey"))
    stem = (
        f"A {frac(weight, True)}-pound package of {food} costs {money(price)}. What is the price per pound, in dollars?"
    )
    rat = (
        f"Price per pound = {money(price)} {DIVIDE} {frac(weight, True)} lb = {money(unit)} per pound. "
        f"Multiplying by {frac(weight, True)} instead of dividing gives a price that is too small."
    )
    return numeric(stem, unit, rat, 1, -0.1 + 0.2 * (weight > 1), tolerance=0.005)


@template("7.RP.A.1", 5)
def rp1_area(rng: random.Random) -> Draft:
    name = pick(rng, NAMES)
    area = pick(rng, (F(1, 2), F(2, 3), F(3, 4), F(3, 5), F(5, 6), F(7, 8), F(4, 5)))
    time = pick(rng, (F(1, 4), F(1, 3), F(1, 2), F(2, 3), F(3, 4)))
    key = area / time
    if key.denominator not in (1, 2, 4, 5, 8) or area == time:
        raise Reroll
    task = pick(
        rng, (("mows", "of a lawn", "acre"), ("paints", "of a fence", "fence"), ("tiles", "of a floor", "floor"))
    )
    verb, what, unit = task
    if unit == "acre":
        stem = f"{name} mows {frac(area)} acre in {frac(time)} hour. How many acres per hour does {name} mow? Enter a decimal."
        tail = "acres per hour"
    else:
        stem = (
            f"{name} {verb} {frac(area)} {what} in {frac(time)} hour. "
            f"At this rate, what part of the {unit} does {name} finish per hour? Enter a decimal."
        )
        tail = f"of the {unit} per hour"
    rat = f"Rate = {frac(area)} {DIVIDE} {frac(time)} = {frac(area)} {TIMES} {frac(1 / time)} = {dec(key)} {tail}."
    return numeric(stem, key, rat, 2, 0.3, tolerance=0.001)


@template("7.RP.A.1", 2)
def rp1_compare_rubric(rng: random.Random) -> Draft:
    a_pages, a_time = pick(rng, (F(3, 4), F(2, 3), F(5, 6))), pick(rng, (F(1, 6), F(1, 5), F(1, 4)))
    b_pages, b_time = pick(rng, (F(1, 2), F(3, 5), F(4, 5))), pick(rng, (F(1, 8), F(1, 10), F(1, 6)))
    ra, rb = a_pages / a_time, b_pages / b_time
    if ra == rb:
        raise Reroll
    faster = "A" if ra > rb else "B"
    stem = (
        f"Two snails race across a garden path. Snail A crawls {frac(a_pages)} foot in {frac(a_time)} minute. "
        f"Snail B crawls {frac(b_pages)} foot in {frac(b_time)} minute. Which snail is faster? "
        "Find each snail's unit rate in feet per minute, show your work, and explain how the unit rates answer the question."
    )
    ex = (
        f"Snail A: {frac(a_pages)} {DIVIDE} {frac(a_time)} = {frac(ra, True)} ft per minute; "
        f"Snail B: {frac(b_pages)} {DIVIDE} {frac(b_time)} = {frac(rb, True)} ft per minute. "
        f"Snail {faster} is faster because it covers more feet in one minute."
    )
    levels = (
        "No correct unit rate and no valid comparison, or only a guess with no work.",
        "Sets up at least one rate correctly (distance divided by time) but makes a computation error, or compares without unit rates.",
        f"Finds both unit rates ({frac(ra, True)} and {frac(rb, True)} ft per minute) and states that Snail {faster} is faster.",
        f"Finds both unit rates correctly, names Snail {faster}, and explains that the unit rate is the distance for one minute, "
        "so the larger unit rate means faster (for example also checks how long each takes to crawl 1 foot).",
    )
    return rubric(stem, ex, levels, 2, 0.6)


def _axis_end(top: float) -> float:
    """A round end for an axis that must reach ``top``."""
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000) if 5 * s >= top)
    return float(step * -(-top // step))


# --------------------------------------------------------------------------- 7.RP.A.2


@template("7.RP.A.2", 6)
def rp2_table(rng: random.Random) -> Draft:
    k = pick(rng, (F(3, 2), F(5, 2), F(7, 2), F(3, 4), F(5, 4), F(2, 5), F(6, 5), 3, 4, 6, F(9, 4)))
    k = F(k)
    xs = sorted(rng.sample(range(2, 13), 3))
    ys = [k * x for x in xs]
    if any(y.denominator not in (1, 2, 4, 5) for y in ys):
        raise Reroll
    ctx = pick(
        rng,
        (
            ("cups of flour", "batches of pancakes", "c", "b"),
            ("gallons of gas", "hours driven", "g", "h"),
            ("dollars earned", "hours worked", "d", "h"),
        ),
    )
    yname, xname, yv, xv = ctx
    row_x = ", ".join(str(x) for x in xs)
    row_y = ", ".join(dec(y) for y in ys)
    stem = (
        f"The table shows a proportional relationship. {xname.capitalize()} ({xv}): {row_x}. "
        f"{yname.capitalize()} ({yv}): {row_y}. What is the constant of proportionality in the equation {yv} = k{xv}?"
    )
    rat = (
        f"k = {yv} {DIVIDE} {xv} for any pair: {dec(ys[0])} {DIVIDE} {xs[0]} = {dec(k)}. "
        f"Dividing {xv} by {yv} gives the reciprocal {frac(1 / k)}, and the difference between table entries is not a ratio."
    )
    ds = [
        frac(1 / k) if (1 / k).denominator not in (1, 2, 4, 5) else dec(1 / k),
        dec(ys[1] - ys[0]),
        dec(ys[0] - xs[0]) if ys[0] > xs[0] else dec(ys[0] + xs[0]),
        dec(k * 2),
    ]
    draft = single(rng, stem, dec(k), ds, rat, 1, -0.3 + 0.3 * (k.denominator > 1))
    draft.figure = Table(
        f"{yname.capitalize()} and {xname}",
        (f"{xname.capitalize()} ({xv})", f"{yname.capitalize()} ({yv})"),
        tuple((str(x), dec(y)) for x, y in zip(xs, ys)),
    )
    draft.figure_text = (
        "The table shows a proportional relationship.",
        f"What is the constant of proportionality in the equation {yv} = k{xv}?",
    )
    return draft


@template("7.RP.A.2", 5)
def rp2_equation(rng: random.Random) -> Draft:
    price = F(rng.randrange(150, 1500, 25), 100)
    what, per, count, v = pick(
        rng,
        (
            ("Movie tickets", "each", "number of tickets", "t"),
            ("Bus passes", "each", "number of passes", "p"),
            ("Notebooks", "each", "number of notebooks", "n"),
            ("Bags of soil", "each", "number of bags", "s"),
            ("Apples", "per pound", "number of pounds", "a"),
            ("Gasoline", "per gallon", "number of gallons", "g"),
        ),
    )
    if per != "each" and price > 6:
        raise Reroll
    p = dec(price)
    stem = (
        f"{what} cost {money(price)} {per}. The total cost C is proportional to the {count}, {v}. "
        "Which equation represents the relationship?"
    )
    rat = f"Total cost = unit price {TIMES} {count}, so C = {p}{v}; the constant of proportionality is the unit price {money(price)} {per}."
    ds = [f"{v} = {p}C", f"C = {v} + {p}", f"C = {v} {DIVIDE} {p}", f"C = {p} {DIVIDE} {v}"]
    return single(rng, stem, f"C = {p}{v}", ds, rat, 1, -0.8)


@template("7.RP.A.2", 5)
def rp2_which_proportional(rng: random.Random) -> Draft:
    ks = rng.sample([F(2), F(3), F(5), F(1, 2), F(3, 4), F(5, 2), F(4), F(7)], 5)
    b = rng.randint(1, 9)
    correct = [f"y = {dec(ks[0])}x", f"y = x/{dec(ks[1])}" if ks[1].denominator == 1 else f"y = {dec(ks[1])}x"]
    xs = sorted(rng.sample(range(1, 7), 3))
    correct.append("x: " + ", ".join(map(str, xs)) + "; y: " + ", ".join(dec(ks[2] * x) for x in xs))
    incorrect = [
        f"y = {dec(ks[3])}x + {b}",
        "x: " + ", ".join(map(str, xs)) + "; y: " + ", ".join(dec(ks[4] * x + b) for x in xs),
        f"y = {b + 2}",
    ]
    n_correct = rng.randint(1, 3)
    n_incorrect = 5 - n_correct if n_correct > 1 else 3
    sel_c = correct[:n_correct]
    sel_i = incorrect[: min(3, n_incorrect)]
    stem = "Which of these represent a proportional relationship between x and y? Select all that apply."
    rat = (
        "A relationship is proportional when y = kx for one constant k: every ratio y/x is the same and the graph is a line through the origin. "
        f"Adding a constant (as in y = {dec(ks[3])}x + {b}) or a constant y breaks this; a common mistake is to call every straight line proportional."
    )
    return multi(rng, stem, sel_c, sel_i, rat, 2, 0.4)


@template("7.RP.A.2", 5)
def rp2_point(rng: random.Random) -> Draft:
    who, lo, hi = pick(
        rng, (("a cyclist", 8, 16), ("a train", 40, 80), ("a hiker", 2, 4), ("a delivery drone", 20, 40))
    )
    k = F(rng.randint(2 * lo, 2 * hi), 2)
    x1 = rng.choice((2, 3, 4, 5, 6))
    y1 = k * x1
    x2 = rng.randint(2, 9)
    if x2 == x1 or y1.denominator != 1:
        raise Reroll
    key = k * x2
    if (key * 100).denominator != 1:
        raise Reroll
    stem = (
        f"The graph of the distance traveled by {who} (in miles) against time (in hours) is a straight line through the origin "
        f"and the point ({x1}, {dec(y1)}). How many miles are traveled after {x2} hours?"
    )
    rat = f"The unit rate is {dec(y1)} {DIVIDE} {x1} = {dec(k)} miles per hour (the point (1, {dec(k)})), so after {x2} hours the distance is {dec(k)} {TIMES} {x2} = {dec(key)} miles."
    draft = numeric(stem, key, rat, 2, 0.0, tolerance=0.001)
    draft.figure = LineGraph("Time (hours)", "Distance (miles)", ((x1, float(y1)),), 10, _axis_end(float(k) * 10))
    draft.figure_text = (
        f"The graph shows the distance traveled by {who} (in miles) against time (in hours): "
        f"a straight line through the origin and the point ({x1}, {dec(y1)}).",
        f"How many miles are traveled after {x2} hours?",
    )
    return draft


@template("7.RP.A.2", 5)
def rp2_graph_meaning(rng: random.Random) -> Draft:
    k = rng.choice((6, 8, 9, 12, 15, 18, 24))
    x = rng.choice((2, 3, 4, 5))
    ctx = pick(
        rng,
        (
            ("hours worked", "dollars earned", "dollars per hour", "Jordan earns"),
            ("pounds of grapes", "cost in dollars", "dollars per pound", "grapes cost"),
            ("minutes", "gallons of water in a tank", "gallons per minute", "the tank fills at"),
        ),
    )
    xn, yn, rate, _ = ctx
    stem = (
        f"A graph shows {yn} (y) against {xn} (x). It is a straight line through (0, 0), ({x}, {k * x}) and (1, {k}). "
        "What does the point (1, " + f"{k}) mean in this situation?"
    )
    key = f"The unit rate is {k} {rate}."
    ds = [
        f"The unit rate is 1/{k} {rate}.",
        f"After {k} {xn}, y is 1.",
        f"The total is {k * x} when x is 1.",
        f"The starting amount is {k}.",
    ]
    rat = f"In a proportional relationship the point (1, r) shows the unit rate r: here y = {k} when x = 1, so the rate is {k} {rate}. Reading the coordinates backwards gives the inverted rate."
    draft = single(rng, stem, key, ds, rat, 2, 0.2)
    draft.figure = LineGraph(xn.capitalize(), yn.capitalize(), ((1, k), (x, k * x)), 6, _axis_end(k * 6))
    draft.figure_text = (
        f"The graph shows {yn} (y) against {xn} (x): a straight line through (0, 0), ({x}, {k * x}) and (1, {k}).",
        f"What does the point (1, {k}) mean in this situation?",
    )
    return draft


@template("7.RP.A.2", 2)
def rp2_decide_rubric(rng: random.Random) -> Draft:
    unit = F(rng.choice((125, 150, 175, 225, 250)), 100)
    q = sorted(rng.sample((2, 3, 4, 5, 6, 8, 10), 3))
    bundle = q[2]
    discount = F(rng.choice((25, 50, 75, 100)), 100)
    prices = [unit * q[0], unit * q[1], unit * bundle - discount]
    stem = (
        f"A bakery sells bagels: {q[0]} bagels for {money(prices[0])}, {q[1]} bagels for {money(prices[1])} and "
        f"{bundle} bagels for {money(prices[2])}. Is the cost proportional to the number of bagels? "
        "Use unit prices or a graph to decide, and explain your reasoning."
    )
    ex = (
        f"Unit prices: {money(prices[0])} {DIVIDE} {q[0]} = {money(unit)}, {money(prices[1])} {DIVIDE} {q[1]} = {money(unit)}, "
        f"but {money(prices[2])} {DIVIDE} {bundle} is less than {money(unit)}. The ratios are not all equal, so the cost is not proportional."
    )
    levels = (
        "Gives no answer or a yes/no answer with no supporting work.",
        "Computes some unit prices or plots some points but does not test all three, or draws a wrong conclusion from correct unit prices.",
        f"Computes all three unit prices, notices the {bundle}-bagel price breaks the constant ratio, and concludes the cost is not proportional.",
        "Meets the standard and also explains what a proportional relationship would require (a constant unit price, a graph that is a straight line through the origin) "
        f"and what the {bundle}-bagel price would be if it were proportional ({money(unit * bundle)}).",
    )
    return rubric(stem, ex, levels, 3, 0.9)


# --------------------------------------------------------------------------- 7.RP.A.3


@template("7.RP.A.3", 5)
def rp3_tax(rng: random.Random) -> Draft:
    price = F(rng.randrange(2000, 9000, 100), 100)
    rate = F(rng.choice((4, 5, 6, 7, 8, 9, 10)), 100)
    total = price * (1 + rate)
    if (total * 100).denominator != 1:
        raise Reroll
    item = pick(rng, ("jacket", "pair of sneakers", "backpack", "video game", "skateboard", "lamp"))
    stem = f"A {item} costs {money(price)}. The sales tax rate is {pct(rate)}. What is the total cost of the {item}, including tax?"
    rat = (
        f"Tax = {pct(rate)} of {money(price)} = {dec(rate)} {TIMES} {money(price)} = {money(price * rate)}; "
        f"total = {money(price)} + {money(price * rate)} = {money(total)}. The tax alone is not the total cost."
    )
    ds = [money(price * rate), money(price + rate * 100), money(price * (1 - rate)), money(price * (1 + rate / 10))]
    return single(rng, stem, money(total), ds, rat, 1, -0.4)


@template("7.RP.A.3", 5)
def rp3_discount(rng: random.Random) -> Draft:
    price = F(rng.randrange(2000, 12000, 500), 100)
    rate = F(rng.choice((10, 15, 20, 25, 30, 35, 40)), 100)
    sale = price * (1 - rate)
    item = pick(rng, ("winter coat", "bicycle helmet", "tent", "guitar", "pair of headphones", "desk chair"))
    stem = f"A {item} that regularly costs {money(price)} is on sale for {pct(rate)} off. What is the sale price?"
    rat = f"Discount = {dec(rate)} {TIMES} {money(price)} = {money(price * rate)}; sale price = {money(price)} − {money(price * rate)} = {money(sale)} (or {dec(1 - rate)} {TIMES} {money(price)})."
    ds = [money(price * rate), money(price * (1 + rate)), money(price - rate * 100), money(price * (1 - rate / 2))]
    return single(rng, stem, money(sale), ds, rat, 1, -0.3)


@template("7.RP.A.3", 4)
def rp3_tip(rng: random.Random) -> Draft:
    bill = F(rng.randrange(2000, 9000, 20), 100)
    rate = F(rng.choice((15, 18, 20, 25)), 100)
    total = bill * (1 + rate)
    if (total * 100).denominator != 1:
        raise Reroll
    stem = f"A family's restaurant bill is {money(bill)}. They leave {art(pct(rate))} {pct(rate)} tip on the bill. How much do they pay in all, in dollars?"
    rat = f"Tip = {dec(rate)} {TIMES} {money(bill)} = {money(bill * rate)}; total = {money(bill)} + {money(bill * rate)} = {money(total)}, which is {dec(1 + rate)} {TIMES} {money(bill)}."
    return numeric(stem, total, rat, 1, -0.2, tolerance=0.005)


@template("7.RP.A.3", 5)
def rp3_percent_change(rng: random.Random) -> Draft:
    old = rng.choice((20, 25, 40, 50, 60, 80, 120, 150, 200, 250))
    rate = F(rng.choice((5, 10, 12, 15, 20, 25, 30, 40, 60)), 100)
    up = rng.random() < 0.6
    new = old * (1 + rate) if up else old * (1 - rate)
    if new.denominator != 1:
        raise Reroll
    word = "increase" if up else "decrease"
    thing = pick(
        rng,
        (
            "members in a chess club",
            "visitors to a museum on Saturday",
            "students in the band",
            "cars in a parking lot",
        ),
    )
    stem = f"The number of {thing} changed from {old} to {new}. What is the percent {word}?"
    change = abs(new - old)
    rat = f"Percent {word} = change {DIVIDE} original = {change} {DIVIDE} {old} = {pct(rate)}. Dividing by the new amount ({new}) is a common mistake."
    ds = [
        pct(F(change) / new)
        if (F(change) / new * 10000).denominator == 1
        else pct(F(round(change / new * 1000), 1000)),
        f"{change}%",
        pct(F(new, old)),
        pct(rate / 2),
    ]
    return single(rng, stem, pct(rate), ds, rat, 2, 0.4)


@template("7.RP.A.3", 4)
def rp3_percent_error(rng: random.Random) -> Draft:
    actual = rng.choice((40, 50, 80, 125, 160, 200, 250, 400))
    err = F(rng.choice((2, 4, 5, 8, 10, 12, 15, 20, 25)), 100)
    est = actual * (1 + err) if rng.random() < 0.5 else actual * (1 - err)
    if est.denominator != 1:
        raise Reroll
    name = pick(rng, NAMES)
    thing = pick(
        rng,
        (
            "number of jelly beans in a jar",
            "length of the classroom, in inches,",
            "mass of a pumpkin, in ounces,",
            "number of people at a concert",
        ),
    )
    stem = f"{name} estimated the {thing} to be {est}. The actual value is {actual}. What is the percent error? Enter the percent as a number (for 5% enter 5)."
    rat = f"Percent error = |estimate − actual| {DIVIDE} actual {TIMES} 100 = {abs(est - actual)} {DIVIDE} {actual} {TIMES} 100 = {dec(err * 100)}%."
    return numeric(stem, err * 100, rat, 2, 0.5, tolerance=0.01)


@template("7.RP.A.3", 4)
def rp3_commission(rng: random.Random) -> Draft:
    sales = rng.choice((1200, 1500, 2400, 3500, 4200, 5600, 8000))
    rate = F(rng.choice((3, 4, 5, 6, 8, 10, 12)), 100)
    base = rng.choice((0, 300, 400, 500))
    total = base + sales * rate
    name = pick(rng, NAMES)
    if base:
        stem = f"{name} earns {money(base)} a week plus {art(pct(rate))} {pct(rate)} commission on sales. Last week {name} sold {money(sales)} of furniture. How much did {name} earn last week?"
        rat = f"Commission = {dec(rate)} {TIMES} {money(sales)} = {money(sales * rate)}; earnings = {money(base)} + {money(sales * rate)} = {money(total)}."
        ds = [
            money(sales * rate),
            money(base + sales * rate * 10),
            money(base + sales + rate * 100),
            money((base + sales) * rate),
        ]
    else:
        stem = f"{name} earns {art(pct(rate))} {pct(rate)} commission on every sale. How much commission does {name} earn on {art(money(sales))} {money(sales)} sale?"
        rat = f"Commission = {pct(rate)} of {money(sales)} = {dec(rate)} {TIMES} {money(sales)} = {money(total)}."
        ds = [
            money(sales * rate * 10),
            money(sales * (1 - rate)),
            money(sales * (1 + rate)),
            money(F(sales, rate * 100)),
        ]
    return single(rng, stem, money(total), ds, rat, 2 if base else 1, 0.1 if base else -0.5)


@template("7.RP.A.3", 2)
def rp3_two_discounts_rubric(rng: random.Random) -> Draft:
    price = rng.choice((60, 80, 120, 150, 200))
    d1, d2 = rng.choice(((20, 10), (25, 10), (30, 20), (10, 10), (40, 10)))
    single_rate = d1 + d2
    a = F(price) * (1 - F(d1, 100)) * (1 - F(d2, 100))
    b = F(price) * (1 - F(single_rate, 100))
    stem = (
        f"{art(money(price)).capitalize()} {money(price)} pair of boots is on sale. Store A takes {d1}% off and then takes another {d2}% off the sale price. "
        f"Store B takes {single_rate}% off the original price. Kai says the two stores charge the same. Is Kai correct? "
        "Show the price at each store and explain."
    )
    ex = (
        f"Store A: {money(price)} {TIMES} {dec(1 - F(d1, 100))} = {money(price * (1 - F(d1, 100)))}, then {TIMES} {dec(1 - F(d2, 100))} = {money(a)}. "
        f"Store B: {money(price)} {TIMES} {dec(1 - F(single_rate, 100))} = {money(b)}. Kai is not correct: the second discount at Store A is taken "
        f"from a smaller amount, so Store A is {money(a - b)} more expensive."
    )
    levels = (
        "No correct price and no valid reasoning.",
        "Finds one store's price correctly, or treats the two discounts as one (adds the percents) without noticing the difference.",
        f"Finds both prices ({money(a)} and {money(b)}), says Kai is not correct, and names Store B as cheaper.",
        f"Finds both prices and explains why: the {d2}% is taken of the already reduced price, so the combined discount is "
        f"{dec((1 - (1 - F(d1, 100)) * (1 - F(d2, 100))) * 100)}%, not {single_rate}%.",
    )
    return rubric(stem, ex, levels, 3, 1.0)
