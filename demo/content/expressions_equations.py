"""Templates for 7.EE: equivalent expressions, multi-step problems, equations and inequalities."""

from __future__ import annotations

import math
import random
from fractions import Fraction as F

from .item_kit import (
    DIVIDE,
    MINUS,
    TIMES,
    Draft,
    Reroll,
    art,
    dec,
    frac,
    lin,
    money,
    multi,
    num,
    numeric,
    paren,
    pct,
    pick,
    rubric,
    single,
    template,
)
from .ratios_proportions import NAMES

VARS = ("x", "n", "m", "y", "p", "t")


def _coef(rng: random.Random, lo: int = 2, hi: int = 12, halves: bool = False) -> F:
    v = F(rng.randint(lo, hi))
    if halves and rng.random() < 0.4:
        v = F(rng.randint(2 * lo + 1, 2 * hi), 2)
    return v


# --------------------------------------------------------------------------- 7.EE.A.1


@template("7.EE.A.1", 5)
def ee1_combine(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    a, c = _coef(rng, halves=True), _coef(rng, halves=True)
    b, d = F(rng.randint(1, 15)), F(rng.randint(1, 15))
    if a == c or b == d:
        raise Reroll
    expr = f"{lin(a, v, b)} {MINUS} {num(c)}{v} {MINUS} {num(d)}"
    key = lin(a - c, v, b - d)
    stem = f"Which expression is equivalent to {expr}?"
    rat = f"Combine like terms: {num(a)}{v} {MINUS} {num(c)}{v} = {lin(a - c, v)} and {num(b)} {MINUS} {num(d)} = {num(b - d)}, so the expression is {key}."
    ds = [lin(a + c, v, b + d), lin(a - c, v, b + d), lin(a + c, v, b - d), lin(a - c + b - d, v)]
    return single(rng, stem, key, ds, rat, 1, -0.3 + 0.3 * (a.denominator > 1 or c.denominator > 1))


@template("7.EE.A.1", 5)
def ee1_distribute(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    k = F(rng.choice((2, 3, 4, 5, 6, 8)))
    if rng.random() < 0.3:
        k = F(1, rng.choice((2, 4)))
    a, b = F(rng.randint(2, 9)), F(rng.randint(1, 12))
    if k.denominator > 1 and (a * k).denominator > 2:
        a = a * 2
    key = lin(-k * a, v, k * b)
    stem = f"Which expression is equivalent to {MINUS}{num(k)}({lin(a, v, -b)})?"
    rat = f"Distribute {MINUS}{num(k)} to both terms: {MINUS}{num(k)} {TIMES} {num(a)}{v} = {lin(-k * a, v)} and {MINUS}{num(k)} {TIMES} ({MINUS}{num(b)}) = {num(k * b)}, giving {key}."
    ds = [lin(-k * a, v, -k * b), lin(-k * a, v, -b), lin(-k * a, v, b), lin(k * a, v, -k * b)]
    return single(rng, stem, key, ds, rat, 1, 0.0 + 0.3 * (k.denominator > 1))


@template("7.EE.A.1", 5)
def ee1_factor(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    g = rng.choice((2, 3, 4, 5, 6, 7, 8, 9))
    m, n = rng.randint(2, 9), rng.randint(1, 11)
    if math.gcd(m, n) != 1:
        raise Reroll
    sign = rng.choice((1, -1))
    expr = lin(g * m, v, sign * g * n)
    key = f"{g}({lin(m, v, sign * n)})"
    stem = f"Which expression shows {expr} factored using the greatest common factor?"
    small = [h for h in range(2, g) if g % h == 0]
    ds = [f"{g}({lin(m, v, sign * g * n)})", f"{g}({lin(m, v, -sign * n)})", f"{g * m}({lin(1, v, sign * n)})"]
    if small:
        h = small[-1]
        ds.insert(0, f"{h}({lin(g * m // h, v, sign * g * n // h)})")
    rat = f"The GCF of {g * m} and {g * n} is {g}: {expr} = {g} {TIMES} {num(m)}{v} {'+' if sign > 0 else MINUS} {g} {TIMES} {n} = {key}. Check by distributing back."
    return single(rng, stem, key, ds, rat, 2, 0.2)


@template("7.EE.A.1", 5)
def ee1_subtract(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    a, c = F(rng.randint(3, 14)), F(rng.randint(1, 12))
    b, d = F(rng.randint(1, 12)), F(rng.randint(1, 12))
    if a == c:
        raise Reroll
    stem = f"Which expression is equivalent to ({lin(a, v, b)}) {MINUS} ({lin(c, v, -d)})?"
    key = lin(a - c, v, b + d)
    rat = f"Subtracting a sum subtracts each term: {lin(a, v, b)} {MINUS} {lin(c, v)} + {num(d)} = {key}. Forgetting to change the sign of {MINUS}{num(d)} gives {lin(a - c, v, b - d)}."
    ds = [lin(a - c, v, b - d), lin(a + c, v, b - d), lin(a - c, v, -b - d), lin(a + c, v, b + d)]
    return single(rng, stem, key, ds, rat, 1, 0.1)


@template("7.EE.A.1", 4)
def ee1_equivalent(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    p, q, r, s = rng.randint(2, 5), rng.randint(2, 6), rng.randint(1, 7), rng.randint(1, 6)
    # p(qv - r) + sv  =  (pq + s)v - pr
    A, B = p * q + s, p * r
    expr = f"{p}({lin(q, v, -r)}) + {lin(s, v)}"
    correct = [lin(A, v, -B), f"{lin(p * q, v, -B)} + {lin(s, v)}", f"{lin(s, v)} + {p}({lin(q, v, -r)})"]
    incorrect = [lin(A, v, -r), lin(p * q + s, v, B), lin(q + s, v, -B), lin(p * q * s, v, -B)]
    k = rng.randint(1, 3)
    stem = f"Which expressions are equivalent to {expr}? Select all that apply."
    rat = f"Distribute and combine: {p}({lin(q, v, -r)}) = {lin(p * q, v, -B)}; adding {lin(s, v)} gives {lin(A, v, -B)}. Addition is commutative, so reordering the terms keeps the value; distributing to only the first term gives {lin(A, v, -r)}."
    return multi(rng, stem, rng.sample(correct, k), rng.sample(incorrect, 5 - k if k > 1 else 3), rat, 2, 0.5)


@template("7.EE.A.1", 2)
def ee1_explain_rubric(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    p, q, r = rng.randint(2, 6), rng.randint(2, 5), rng.randint(2, 9)
    name = pick(rng, NAMES)
    stem = (
        f"{name} simplified {p}({lin(q, v, -r)}) {MINUS} {lin(q, v)} and got {lin(p * q - q, v, -r)}. "
        "Find and explain the mistake, write the correct simplified expression, and check it by substituting a value for the variable."
    )
    key = lin(p * q - q, v, -p * r)
    ex = (
        f"{name} multiplied only the first term by {p}. Correct: {p}({lin(q, v, -r)}) = {lin(p * q, v, -p * r)}, then {MINUS} {lin(q, v)} gives {key}. "
        f"Check with {v} = 1: original {p}({q} − {r}) − {q} = {p * (q - r) - q}; simplified {p * q - q} − {p * r} = {p * q - q - p * r}."
    )
    levels = (
        "Does not find the mistake and gives no correct expression.",
        f"Gives the correct expression {key} or names the mistake, but not both, or does not check.",
        f"Names the mistake (the {p} was not distributed to {MINUS}{r}), writes {key}, and checks with a substituted value.",
        "Meets the standard and explains with properties (distributive property, combining like terms) why both expressions are equal for every value of the variable.",
    )
    return rubric(stem, ex, levels, 3, 0.8)


# --------------------------------------------------------------------------- 7.EE.B.3


@template("7.EE.B.3", 5)
def ee3_sale_tax(rng: random.Random) -> Draft:
    price = F(rng.randrange(2000, 10000, 400), 100)
    off = pick(rng, (F(1, 4), F(1, 5), F(1, 2), F(1, 10)))
    tax = F(rng.choice((5, 6, 8)), 100)
    sale = price * (1 - off)
    total = sale * (1 + tax)
    if (total * 100).denominator != 1:
        raise Reroll
    item = pick(rng, ("sleeping bag", "pair of soccer cleats", "basketball", "graphic novel set", "camera tripod"))
    stem = f"A {item} costs {money(price)}. It is on sale for {frac(off)} off, and then {art(dec(tax * 100))} {dec(tax * 100)}% sales tax is added to the sale price. What is the final price, in dollars?"
    rat = f"Sale price = {money(price)} {TIMES} (1 − {frac(off)}) = {money(sale)}; with tax: {money(sale)} {TIMES} {dec(1 + tax)} = {money(total)}."
    return numeric(stem, total, rat, 2, 0.6, tolerance=0.005)


@template("7.EE.B.3", 5)
def ee3_boards(rng: random.Random) -> Draft:
    length = F(rng.randint(13, 40), 2) + pick(rng, (F(0), F(1, 4)))
    piece = pick(rng, (F(3, 4), F(2, 3), F(5, 4), F(3, 2), F(5, 6), F(7, 8)))
    n = math.floor(length / piece)
    if length / piece == n:
        raise Reroll
    stem = (
        f"A carpenter has a board {frac(length, True)} feet long and cuts it into shelves that are each {frac(piece)} foot long. "
        "How many full shelves can she cut?"
    )
    rat = f"{frac(length, True)} {DIVIDE} {frac(piece)} = {frac(length / piece, True)}, so she can cut {n} full shelves; the leftover piece is too short for another."
    return numeric(stem, n, rat, 2, 0.4, tolerance=0)


@template("7.EE.B.3", 5)
def ee3_estimate(rng: random.Random) -> Draft:
    n = rng.randint(6, 14)
    unit = F(rng.randint(190, 990), 100)
    total = n * unit
    options = [F(round(total / 10) * 10)]
    key_val = options[0]
    for mult in (F(1, 2), F(3, 2), F(2), F(1, 4)):
        options.append(F(round(key_val * mult / 10) * 10))
    if len({o for o in options}) < 4 or abs(total - key_val) > 5:
        raise Reroll
    others = [o for o in options[1:] if abs(o - key_val) >= F(15, 100) * key_val]
    name = pick(rng, NAMES)
    item = pick(rng, ("packs of markers", "movie snacks", "tubes of paint", "bags of popcorn", "sketchbooks"))
    stem = f"{name} buys {n} {item} at {money(unit)} each. Which is the most reasonable estimate of the total cost?"
    rat = f"Round: {n} {TIMES} about ${round(float(unit))} is about ${n * round(float(unit))}; the exact cost is {money(total)}, so about ${key_val} is reasonable."
    return single(rng, stem, f"about ${key_val}", [f"about ${o}" for o in others], rat, 2, -0.2)


@template("7.EE.B.3", 5)
def ee3_trail(rng: random.Random) -> Draft:
    f1, f2 = (
        pick(rng, (F(1, 3), F(1, 4), F(1, 5), F(2, 5), F(1, 6))),
        pick(rng, (F(1, 2), F(1, 3), F(1, 4), F(3, 8), F(2, 5))),
    )
    total = F(rng.choice((6, 8, 9, 10, 12, 15, 18, 20, 24)), 1)
    left = total * (1 - f1 - f2)
    if left <= 0 or f1 == f2 or (left * 100).denominator != 1:
        raise Reroll
    name = pick(rng, NAMES)
    stem = f"A hiking trail is {dec(total)} miles long. {name} hiked {frac(f1)} of the trail on Saturday and {frac(f2)} of the trail on Sunday. How many miles of the trail are left?"
    rat = f"Fraction hiked = {frac(f1)} + {frac(f2)} = {frac(f1 + f2)}; left = (1 − {frac(f1 + f2)}) {TIMES} {dec(total)} = {dec(left)} miles."
    ds = [
        f"{dec(total * (f1 + f2))} miles",
        f"{dec(total - f1 - f2)} miles",
        f"{dec(total * (1 - f1))} miles",
        f"{dec(total * (1 - f2))} miles",
    ]
    return single(rng, stem, f"{dec(left)} miles", ds, rat, 2, 0.5)


@template("7.EE.B.3", 2)
def ee3_plan_rubric(rng: random.Random) -> Draft:
    guests = rng.randint(18, 40)
    pizza_price = F(rng.randrange(1099, 1699, 100), 100)
    slices = 8
    per = pick(rng, (F(5, 2), F(3), F(2)))
    budget = rng.choice((120, 150, 180, 200))
    pizzas = math.ceil(guests * per / slices)
    cost = pizzas * pizza_price
    stem = (
        f"A class is planning a party for {guests} people. Each pizza is cut into {slices} slices and costs {money(pizza_price)}. "
        f"They expect each person to eat {frac(per, True)} slices and they have a budget of ${budget}. "
        "How many pizzas should they order, and will they stay within budget? Show your work and explain why your answer is reasonable."
    )
    within = "stays within" if cost <= budget else "goes over"
    ex = (
        f"Slices needed = {guests} {TIMES} {frac(per, True)} = {dec(guests * per)}; pizzas = {dec(guests * per)} {DIVIDE} {slices} = {frac(guests * per / slices, True)}, "
        f"round up to {pizzas}. Cost = {pizzas} {TIMES} {money(pizza_price)} = {money(cost)}, which {within} the ${budget} budget."
    )
    levels = (
        "No correct step.",
        "Finds the slices or the pizzas needed but rounds down, skips the cost, or makes an operation error.",
        f"Finds {pizzas} pizzas (rounding up), the cost {money(cost)}, and compares it with the budget correctly.",
        "Meets the standard and justifies rounding up and checks the cost with an estimate (for example about $"
        + f"{round(float(pizza_price))} per pizza).",
    )
    return rubric(stem, ex, levels, 3, 1.0)


# --------------------------------------------------------------------------- 7.EE.B.4


@template("7.EE.B.4", 5)
def ee4_solve_pxq(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    p = rng.choice((-9, -8, -6, -5, -4, -3, -2, 2, 3, 4, 5, 6, 7, 8))
    x = rng.randint(-12, 15)
    q = rng.choice((-1, 1)) * rng.randint(1, 20)
    r = p * x + q
    if x == 0:
        raise Reroll
    stem = f"Solve {lin(p, v, q)} = {num(r)}."
    rat = f"Undo the addition first: {lin(p, v)} = {num(r)} {MINUS} {paren(num(q))} = {num(r - q)}; then divide by {num(p)}: {v} = {num(r - q)} {DIVIDE} {paren(num(p))} = {x}."
    ds = [f"{v} = {num(F(r + q, p))}", f"{v} = {num(-x)}", f"{v} = {num(F(r, p) - q)}", f"{v} = {num(r - q - p)}"]
    return single(rng, stem, f"{v} = {num(x)}", ds, rat, 1, -0.1 + 0.3 * (p < 0))


@template("7.EE.B.4", 5)
def ee4_solve_paren(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    p = rng.choice((2, 3, 4, 5, 6, -2, -3, -4, F(1, 2), F(3, 4)))
    p = F(p)
    x = F(rng.randint(-10, 12))
    q = F(rng.choice((-1, 1)) * rng.randint(1, 9))
    r = p * (x + q)
    if r.denominator != 1 or x + q == 0:
        raise Reroll
    stem = f"Solve {num(p)}({lin(1, v, q)}) = {num(r)} for {v}."
    rat = f"Divide both sides by {num(p)}: {lin(1, v, q)} = {num(r / p)}; then {v} = {num(r / p)} {MINUS} {paren(num(q))} = {num(x)}."
    return numeric(stem, x, rat, 1, 0.2 + 0.3 * (p < 0 or p.denominator > 1), tolerance=1e-6)


@template("7.EE.B.4", 5)
def ee4_perimeter(rng: random.Random) -> Draft:
    length = F(rng.randint(8, 40))
    width = F(rng.randint(3, 30), rng.choice((1, 1, 2)))
    if width >= length:
        raise Reroll
    per = 2 * length + 2 * width
    thing = pick(rng, ("a rectangular garden", "a rectangular dog run", "a rectangular stage", "a rectangular patio"))
    stem = f"The perimeter of {thing} is {dec(per)} feet and its length is {dec(length)} feet. Solve 2({dec(length)}) + 2w = {dec(per)} to find the width w."
    rat = f"2w = {dec(per)} − {dec(2 * length)} = {dec(per - 2 * length)}, so w = {dec(per - 2 * length)} {DIVIDE} 2 = {dec(width)} feet."
    ds = [
        f"{dec(per - 2 * length)} feet",
        f"{dec((per - length) / 2)} feet",
        f"{dec(per / 2 + length)} feet",
        f"{dec(per - length)} feet",
    ]
    return single(rng, stem, f"{dec(width)} feet", ds, rat, 2, 0.0)


@template("7.EE.B.4", 5)
def ee4_inequality(rng: random.Random) -> Draft:
    v = pick(rng, VARS)
    p = rng.choice((-2, -3, -4, -5, -6, 2, 3, 4, 5))
    bound = rng.randint(-8, 10)
    q = rng.choice((-1, 1)) * rng.randint(1, 15)
    r = p * bound + q
    rel = rng.choice(("<", ">"))
    flip = {"<": ">", ">": "<"}
    sol_rel = flip[rel] if p < 0 else rel
    stem = f"Which inequality describes all solutions of {lin(p, v, q)} {rel} {num(r)}?"
    key = f"{v} {sol_rel} {num(bound)}"
    rat = (
        (f"Subtract {num(q)}" if q > 0 else f"Add {num(-q)} to both sides")
        + f": {lin(p, v)} {rel} {num(r - q)}. Divide by {num(p)}"
        + (" and reverse the inequality sign because the divisor is negative" if p < 0 else "")
        + f": {key}."
    )
    ds = [
        f"{v} {flip[sol_rel]} {num(bound)}",
        f"{v} {sol_rel} {num(F(r + q, p))}",
        f"{v} {flip[sol_rel]} {num(-bound) if bound else num(F(r + q, p))}",
        f"{v} {sol_rel} {num(-bound)}",
    ]
    return single(rng, stem, key, ds, rat, 2, 0.3 + 0.4 * (p < 0))


@template("7.EE.B.4", 4)
def ee4_ineq_word(rng: random.Random) -> Draft:
    name = pick(rng, NAMES)
    budget = rng.choice((20, 25, 30, 40, 50))
    entry = F(rng.randrange(500, 1500, 50), 100)
    ride = F(rng.choice((125, 150, 175, 200, 225, 250, 275, 300)), 100)
    n = math.floor((budget - entry) / ride)
    if (budget - entry) / ride == n or n < 2:
        raise Reroll
    stem = (
        f"{name} has ${budget} to spend at a fair. Admission is {money(entry)} and each ride ticket costs {money(ride)}. "
        f"Solve {dec(entry)} + {dec(ride)}r ≤ {budget} to find the greatest number of ride tickets {name} can buy."
    )
    rat = f"{dec(ride)}r ≤ {budget} − {dec(entry)} = {dec(budget - entry)}, so r ≤ {frac((budget - entry) / ride, True)}. Tickets are whole, so at most {n}."
    return numeric(stem, n, rat, 2, 0.6, tolerance=0)


@template("7.EE.B.4", 2)
def ee4_write_solve_rubric(rng: random.Random) -> Draft:
    name = pick(rng, NAMES)
    fee = rng.choice((25, 30, 40, 45))
    weekly = rng.choice((8, 12, 15, 18))
    total = rng.choice((145, 165, 205, 225, 265))
    if (total - fee) % weekly:
        raise Reroll
    weeks = (total - fee) // weekly
    stem = (
        f"{name} joins a climbing gym that charges a ${fee} sign-up fee plus ${weekly} per week. So far {name} has paid ${total} in all. "
        "Write an equation for the number of weeks w, solve it, and explain what each step of your solution means in the situation."
    )
    ex = f"{weekly}w + {fee} = {total}; subtract {fee}: {weekly}w = {total - fee} (the cost of the weeks alone); divide by {weekly}: w = {weeks} weeks."
    levels = (
        "No equation and no correct number of weeks.",
        f"Writes a correct equation but does not solve it correctly, or finds {weeks} weeks by guess and check without an equation.",
        f"Writes {weekly}w + {fee} = {total}, solves it step by step, and finds w = {weeks}.",
        "Meets the standard and interprets each step in context (removing the fee first, then dividing by the weekly cost) and checks the answer in the story.",
    )
    return rubric(stem, ex, levels, 3, 0.9)


# --------------------------------------------------------------------------- 7.EE.A.2


@template("7.EE.A.2", 6)
def ee2_percent_increase(rng: random.Random) -> Draft:
    rate = F(rng.choice((3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30)), 100)
    thing, v = pick(
        rng,
        (
            ("the price p of a concert ticket", "p"),
            ("the cost c of a monthly phone plan", "c"),
            ("the membership fee m at a gym", "m"),
            ("the rent r of an apartment", "r"),
        ),
    )
    stem = f"Next year {thing} will increase by {pct(rate)}. Which expression gives the new amount?"
    key = f"{dec(1 + rate)}{v}"
    rat = f"New amount = {v} + {dec(rate)}{v} = (1 + {dec(rate)}){v} = {key}: the original 100% plus {pct(rate)} more is {pct(1 + rate)} of {v}."
    ds = [f"{v} + {dec(rate * 100)}", f"{dec(rate)}{v}", f"{dec(1 - rate)}{v}", f"{dec(rate * 100)}{v}"]
    return single(rng, stem, key, ds, rat, 2, -0.3 + 0.3 * (rate < F(1, 10)))


@template("7.EE.A.2", 5)
def ee2_discount_forms(rng: random.Random) -> Draft:
    rate = F(rng.choice((10, 15, 20, 25, 30, 35, 40)), 100)
    v = "p"
    correct = [f"p − {dec(rate)}p", f"{dec(1 - rate)}p", f"p(1 − {dec(rate)})"]
    incorrect = [f"p − {dec(rate * 100)}", f"{dec(rate)}p", f"{dec(1 + rate)}p", f"p − {dec(rate)}"]
    k = rng.randint(2, 3)
    stem = f"A store takes {pct(rate)} off every price. Which expressions give the sale price of an item whose original price is {v} dollars? Select all that apply."
    rat = (
        f"Taking {pct(rate)} off leaves {pct(1 - rate)} of the price: p − {dec(rate)}p = p(1 − {dec(rate)}) = {dec(1 - rate)}p. "
        f"{dec(rate)}p is only the discount, and subtracting {dec(rate * 100)} treats the percent as dollars."
    )
    return multi(rng, stem, rng.sample(correct, k), rng.sample(incorrect, 5 - k), rat, 2, 0.5)


@template("7.EE.A.2", 5)
def ee2_meaning(rng: random.Random) -> Draft:
    rate = F(rng.choice((12, 15, 18, 20, 22, 25)), 100)
    ctx = pick(
        rng,
        (
            ("a restaurant total, where b is the bill before the tip", "b", "bill", "tip"),
            ("the price of a jacket after sales tax, where j is the price before tax", "j", "price", "sales tax"),
            ("a town's population next year, where t is this year's population", "t", "population", "increase"),
        ),
    )
    desc, v, base, extra = ctx
    stem = f"The expression {dec(1 + rate)}{v} gives {desc}. What does {dec(1 + rate)} tell you?"
    key = f"The result is {pct(1 + rate)} of the {base}: the {base} plus {art(pct(rate))} {pct(rate)} {extra}."
    ds = [
        f"The {extra} is ${dec(1 + rate)}.",
        f"The {extra} is {pct(1 + rate)} of the {base}.",
        f"The {base} is reduced by {pct(rate)}.",
        f"The {extra} is {dec(rate * 100)} dollars.",
    ]
    rat = f"{dec(1 + rate)}{v} = {v} + {dec(rate)}{v}: the whole {base} ({v}) plus {pct(rate)} of it, so the result is {pct(1 + rate)} of the {base}."
    return single(rng, stem, key, ds, rat, 2, 0.6)


@template("7.EE.A.2", 5)
def ee2_equal_shares(rng: random.Random) -> Draft:
    n = rng.randint(3, 8)
    tip = rng.randint(2, 6)
    name = pick(rng, NAMES)
    stem = (
        f"{name} and {n - 1} friends share a pizza bill of b dollars equally, and then each person also pays ${tip} toward the tip. "
        "Which expression shows how much each person pays?"
    )
    key = f"b/{n} + {tip}"
    ds = [f"(b + {tip})/{n}", f"{n}b + {tip}", f"b + {tip}/{n}", f"b/{n} + {tip * n}"]
    rat = f"The bill is split {n} ways (b/{n}) and each person adds ${tip}: b/{n} + {tip}. (b + {tip})/{n} would split a single ${tip} tip among everyone."
    return single(rng, stem, key, ds, rat, 2, 0.5)


@template("7.EE.A.2", 2)
def ee2_rewrite_rubric(rng: random.Random) -> Draft:
    rate = F(rng.choice((6, 8, 15, 20)), 100)
    name1, name2 = rng.sample(NAMES, 2)
    stem = (
        f"To find the cost of an item with price p after {art(pct(rate))} {pct(rate)} increase, {name1} writes p + {dec(rate)}p and {name2} writes {dec(1 + rate)}p. "
        "Are the expressions equivalent? Justify with properties of operations, and explain what each form tells you about the situation."
    )
    ex = (
        f"Yes: p + {dec(rate)}p = 1p + {dec(rate)}p = (1 + {dec(rate)})p = {dec(1 + rate)}p (distributive property). "
        f"p + {dec(rate)}p shows the original price plus the {pct(rate)} increase; {dec(1 + rate)}p shows the new price is {pct(1 + rate)} of the original, found in one step."
    )
    levels = (
        "Says they are not equivalent, or gives no justification.",
        "Says they are equivalent, supported only by one numerical example, or interprets only one form.",
        "Shows the equivalence with the distributive property (or combining like terms) and interprets both forms in the situation.",
        f"Meets the standard and explains when each form is more useful (for example {dec(1 + rate)}p to compute quickly, p + {dec(rate)}p to see the amount of the increase).",
    )
    return rubric(stem, ex, levels, 3, 0.9)
