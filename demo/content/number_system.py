"""Templates for 7.NS: operations with rational numbers and their applications."""

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
    dec,
    frac,
    money,
    multi,
    numeric,
    paren,
    pick,
    rubric,
    single,
    template,
)
from .ratios_proportions import NAMES

CITIES = ("Fargo", "Duluth", "Anchorage", "Bismarck", "Minneapolis", "Buffalo", "Marquette", "Burlington")


def _deg(x: F | int) -> str:
    return f"{dec(x)}°F"


# --------------------------------------------------------------------------- 7.NS.A.1


@template("7.NS.A.1", 4)
def ns1_temperature(rng: random.Random) -> Draft:
    t0 = -rng.randint(3, 18)
    change = rng.randint(5, 25)
    city = pick(rng, CITIES)
    key = t0 + change
    if key == 0 or abs(key) == abs(t0):
        raise Reroll
    stem = f"At 6 a.m. the temperature in {city} was {_deg(t0)}. By noon it had risen {change} degrees. What was the temperature at noon?"
    rat = f"Rising means adding: {dec(t0)} + {change} = {_deg(key)}. Moving {change} units right from {dec(t0)} on a number line lands at {dec(key)}; subtracting gives {_deg(t0 - change)}."
    ds = [_deg(t0 - change), _deg(-key), _deg(-t0 + change), _deg(change)]
    return single(rng, stem, _deg(key), ds, rat, 1, -0.9 + 0.2 * (key < 0))


@template("7.NS.A.1", 4)
def ns1_elevation(rng: random.Random) -> Draft:
    high = rng.randrange(120, 2400, 5)
    low = -rng.randrange(15, 290, 5)
    place = pick(
        rng,
        (
            ("the top of a hill", "the bottom of a nearby salt flat"),
            ("a lookout tower on a cliff", "the floor of a dry lake bed"),
            ("a mountain trailhead", "a valley below sea level"),
        ),
    )
    stem = (
        f"The elevation of {place[0]} is {high} feet. The elevation of {place[1]} is {dec(low)} feet. "
        "How many feet higher is the first place than the second?"
    )
    key = high - low
    rat = f"Difference = {high} − ({dec(low)}) = {high} + {-low} = {key} feet; subtracting a negative is adding its opposite. {high} − {-low} = {high + low} ignores the sign."
    ds = [
        f"{high + low} feet",
        f"{dec(-key)} feet",
        f"{-low - high if -low > high else high + low + 10} feet",
        f"{high} feet",
    ]
    return single(rng, stem, f"{key} feet", ds, rat, 1, -0.2)


@template("7.NS.A.1", 4)
def ns1_decimal_sum(rng: random.Random) -> Draft:
    a = F(-rng.randint(11, 95), 10)
    b = F(rng.randint(101, 999), 100)
    c = F(-rng.randint(5, 60), 10)
    key = a + b - c
    stem = f"Find the value of {dec(a)} + {dec(b)} − ({dec(c)})."
    rat = f"Rewrite subtraction as adding the opposite: {dec(a)} + {dec(b)} + {dec(-c)} = {dec(a + b)} + {dec(-c)} = {dec(key)}."
    return numeric(stem, key, rat, 1, 0.0, tolerance=0.0001)


@template("7.NS.A.1", 5)
def ns1_fractions(rng: random.Random) -> Draft:
    d1, d2 = rng.sample((2, 3, 4, 5, 6, 8, 10, 12), 2)
    p = F(-rng.randint(1, d1 - 1) if d1 > 2 else -1, d1)
    q = F(rng.randint(1, d2 - 1) if d2 > 2 else 1, d2)
    if p.denominator != d1 or q.denominator != d2:
        raise Reroll
    op = rng.choice(("+", MINUS))
    key = p + q if op == "+" else p - q
    if key == 0:
        raise Reroll
    stem = f"What is the value of {frac(p)} {op} {frac(q)}?"
    wrong_sum = F(p.numerator + (q.numerator if op == "+" else -q.numerator), p.denominator + q.denominator)
    ds = [
        frac(wrong_sum),
        frac(-key),
        frac(p - q if op == "+" else p + q),
        frac(F(abs(p.numerator) + q.numerator, p.denominator * q.denominator)),
    ]
    lcd = (p.denominator * q.denominator) // math.gcd(p.denominator, q.denominator)
    pn, qn = p.numerator * (lcd // p.denominator), q.numerator * (lcd // q.denominator)
    res = pn + qn if op == "+" else pn - qn
    rat = (
        f"Rewrite with the common denominator {lcd}: {frac(p)} {op} {frac(q)} = {MINUS}{abs(pn)}/{lcd} {op} {qn}/{lcd} = {frac(F(res, 1))}/{lcd}"
        + (f" = {frac(key)}" if F(res, lcd).denominator != lcd else "")
        + ". Adding numerators and denominators separately is the common mistake."
    )
    return single(rng, stem, frac(key), ds, rat, 1, 0.2)


@template("7.NS.A.1", 4)
def ns1_zero_sums(rng: random.Random) -> Draft:
    a = F(rng.randint(2, 19), rng.choice((1, 2, 4)))
    b = F(rng.randint(2, 19), rng.choice((1, 2, 4)))
    if a == b:
        raise Reroll
    A, B = dec(a), dec(b)
    correct = [f"{A} + ({MINUS}{A})", f"{MINUS}{B} − ({MINUS}{B})", f"{MINUS}{A} + {B} + {A} − {B}"]
    incorrect = [f"{A} − ({MINUS}{A})", f"{MINUS}{B} + ({MINUS}{B})", f"{A} + {B} − {A} + {B}"]
    k = rng.randint(2, 3)
    stem = "Which expressions have a value of 0? Select all that apply."
    rat = (
        "A number plus its opposite (additive inverse) is 0, and subtracting a number from itself is 0. "
        f"Subtracting a negative adds its opposite, so {A} − ({MINUS}{A}) = {dec(2 * a)}, not 0; and {MINUS}{B} + ({MINUS}{B}) = {MINUS}{dec(2 * b)}."
    )
    return multi(rng, stem, rng.sample(correct, k), rng.sample(incorrect, 5 - k), rat, 2, 0.1)


@template("7.NS.A.1", 4)
def ns1_distance(rng: random.Random) -> Draft:
    p = F(-rng.randint(3, 40), 2)
    q = F(rng.randint(1, 30), 2)
    if rng.random() < 0.3:
        q = F(-rng.randint(1, 6), 2)
        if q == p:
            raise Reroll
    key = abs(q - p)
    stem = f"On a number line, what is the distance between {dec(p)} and {dec(q)}?"
    rat = f"Distance = |{dec(q)} − ({dec(p)})| = |{dec(q - p)}| = {dec(key)}: the absolute value of the difference."
    ds = [dec(abs(abs(q) - abs(p))), dec(-key), dec(abs(q + p) + 1 if q + p == 0 else abs(q + p)), dec(key + 1)]
    return single(rng, stem, dec(key), ds, rat, 1, -0.1 + 0.3 * (q < 0))


@template("7.NS.A.1", 2)
def ns1_number_line_rubric(rng: random.Random) -> Draft:
    start = -rng.randint(4, 12)
    change = rng.randint(5, 15)
    drop = rng.randint(3, 9)
    end = start + change - drop
    stem = (
        f"A submarine is at {start * 10} meters (below sea level). It rises {change * 10} meters, then dives {drop * 10} meters. "
        "Write an expression for its final elevation, show the moves on a number line, and find the final elevation. "
        "Explain why rising is adding and diving is subtracting."
    )
    ex = (
        f"{start * 10} + {change * 10} − {drop * 10} = {end * 10} meters. On the number line: start at {start * 10}, move {change * 10} right to "
        f"{(start + change) * 10}, then {drop * 10} left to {end * 10}. Rising increases elevation (move right/up), diving decreases it."
    )
    levels = (
        "No correct expression and no correct elevation.",
        "Writes a partly correct expression or number line (for example a sign error on the start) or gets the final elevation without showing the moves.",
        f"Writes {start * 10} + {change * 10} − {drop * 10}, shows both moves on a number line, and finds {end * 10} meters.",
        f"Meets the standard and explains the direction of each move and what the sign of {end * 10} means (above or below sea level).",
    )
    return rubric(stem, ex, levels, 2, 0.4)


# --------------------------------------------------------------------------- 7.NS.A.2


@template("7.NS.A.2", 5)
def ns2_product(rng: random.Random) -> Draft:
    a = F(-rng.randint(1, 9), rng.randint(2, 10))
    b = F(rng.randint(1, 9), rng.randint(2, 10))
    if a.denominator == 1 or b.denominator == 1:
        raise Reroll
    if rng.random() < 0.4:
        b = -b
    key = a * b
    stem = f"What is the value of {paren(frac(a))} {TIMES} {paren(frac(b))}?"
    rat = f"Multiply numerators and denominators: {paren(frac(a))} {TIMES} {paren(frac(b))} = {frac(key)}; the product is {'positive (negative times negative)' if key > 0 else 'negative (the signs differ)'}."
    ds = [
        frac(-key),
        frac(a * (1 / b)),
        frac(a + b),
        frac(F(a.numerator * b.denominator, a.denominator * b.numerator) * -1),
    ]
    return single(rng, stem, frac(key), ds, rat, 1, -0.1)


@template("7.NS.A.2", 5)
def ns2_quotient(rng: random.Random) -> Draft:
    a = F(-rng.randint(1, 11), rng.randint(2, 12))
    b = F(rng.randint(1, 11), rng.randint(2, 12))
    if a.denominator == 1 or b.denominator == 1 or abs(a) == abs(b):
        raise Reroll
    key = a / b
    stem = f"What is the value of {frac(a)} {DIVIDE} {frac(b)}?"
    rat = f"Dividing by {frac(b)} is multiplying by its reciprocal {frac(1 / b)}: {frac(a)} {TIMES} {frac(1 / b)} = {frac(key)}. A negative divided by a positive is negative."
    ds = [frac(a * b), frac(-key), frac(b / a), frac(1 / a * b) if 1 / a * b != b / a else frac(a * b * -1)]
    return single(rng, stem, frac(key), ds, rat, 1, 0.2)


@template("7.NS.A.2", 4)
def ns2_decimal_chain(rng: random.Random) -> Draft:
    a = F(-rng.randint(11, 45), 10)
    b = F(-rng.randint(2, 12), rng.choice((1, 10)))
    c = F(rng.choice((-1, 1)) * rng.randint(2, 8), 10)
    key = a * b / c
    if (key * 1000).denominator != 1:
        raise Reroll
    stem = f"Find the value of ({dec(a)})({dec(b)}) {DIVIDE} ({dec(c)})."
    rat = f"({dec(a)})({dec(b)}) = {dec(a * b)} (negative times negative is positive); {dec(a * b)} {DIVIDE} ({dec(c)}) = {dec(key)}."
    return numeric(stem, key, rat, 1, 0.3, tolerance=0.0001)


@template("7.NS.A.2", 4)
def ns2_to_decimal(rng: random.Random) -> Draft:
    d = rng.choice((8, 16, 20, 25, 40))
    n = rng.randint(1, 3 * d)
    x = F(n, d)
    if x.denominator in (1, 2) or (x * 10).denominator == 1:
        raise Reroll
    if rng.random() < 0.5:
        x = -x
    stem = f"Write {frac(x)} as a decimal."
    rat = f"Divide the numerator by the denominator: {abs(x.numerator)} {DIVIDE} {x.denominator} = {dec(abs(x))}, so {frac(x)} = {dec(x)}; the remainder becomes 0, so the decimal terminates."
    return numeric(stem, x, rat, 1, -0.2, tolerance=0.00001)


@template("7.NS.A.2", 4)
def ns2_repeating(rng: random.Random) -> Draft:
    pool = [F(n, d) for d in (3, 6, 7, 9, 11, 12, 15) for n in range(1, d) if F(n, d).denominator == d]
    term = [F(n, d) for d in (4, 5, 8, 16, 20, 25) for n in range(1, d) if F(n, d).denominator == d]
    k = rng.randint(1, 3)
    correct = [frac(x) for x in rng.sample(pool, k)]
    incorrect = [frac(x) for x in rng.sample(term, 5 - k)]
    stem = "Which fractions have decimal forms that repeat forever? Select all that apply."
    rat = (
        "A fraction in lowest terms has a terminating decimal only when its denominator has no prime factors other than 2 and 5; "
        "any other prime factor (3, 7, 11, ...) makes long division repeat. So "
        + ", ".join(correct)
        + " repeat and "
        + ", ".join(incorrect)
        + " terminate."
    )
    return multi(rng, stem, correct, incorrect, rat, 2, 0.8)


@template("7.NS.A.2", 4)
def ns2_signs(rng: random.Random) -> Draft:
    def term() -> str:
        v = F(rng.randint(1, 9), rng.choice((1, 1, 2, 4)))
        return dec(v if rng.random() < 0.5 else -v)

    correct: list[str] = []
    incorrect: list[str] = []
    for _ in range(40):
        a, b, c = term(), term(), term()
        op1, op2 = rng.choice((TIMES, DIVIDE)), rng.choice((TIMES, DIVIDE))
        expr = f"{paren(a)} {op1} {paren(b)} {op2} {paren(c)}"
        negs = sum(t.startswith(MINUS) for t in (a, b, c))
        if negs == 0:
            continue
        (correct if negs % 2 == 1 else incorrect).append(expr)
    k = rng.randint(2, 3)
    if len(correct) < k or len(incorrect) < 5 - k:
        raise Reroll
    stem = "Which expressions have a negative value? Select all that apply."
    rat = "Count the negative factors: a product or quotient with an odd number of negative numbers is negative, with an even number it is positive. The sizes of the numbers do not matter."
    return multi(rng, stem, correct[:k], incorrect[: 5 - k], rat, 2, 0.3)


@template("7.NS.A.2", 2)
def ns2_sign_rule_rubric(rng: random.Random) -> Draft:
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    stem = (
        f'Lena says ({MINUS}{a}) {TIMES} ({MINUS}{b}) = {MINUS}{a * b} because "the answer has to be negative when there are negatives." '
        f"Use the distributive property with ({MINUS}{a}) {TIMES} [{b} + ({MINUS}{b})] = 0, or a pattern, to show the correct product and explain Lena's mistake."
    )
    ex = (
        f"({MINUS}{a})[{b} + ({MINUS}{b})] = ({MINUS}{a})(0) = 0. Distributing: ({MINUS}{a})({b}) + ({MINUS}{a})({MINUS}{b}) = {MINUS}{a * b} + ({MINUS}{a})({MINUS}{b}) = 0, "
        f"so ({MINUS}{a})({MINUS}{b}) must be {a * b}, the opposite of {MINUS}{a * b}. A product of two negatives is positive."
    )
    levels = (
        "Agrees with Lena or gives no reasoning.",
        f"States the correct product {a * b} but supports it only with a memorized rule, or starts the distributive argument without finishing it.",
        f"Uses the distributive property (or a pattern of products) correctly to show ({MINUS}{a})({MINUS}{b}) = {a * b} and says Lena is wrong.",
        "Meets the standard and explains clearly why the rule must hold (the product must be the additive inverse of a negative number) and what Lena's overgeneralization is.",
    )
    return rubric(stem, ex, levels, 3, 1.2)


# --------------------------------------------------------------------------- 7.NS.A.3


@template("7.NS.A.3", 5)
def ns3_temp_drop(rng: random.Random) -> Draft:
    start = rng.randint(-5, 12)
    rate = F(rng.choice((5, 15, 25, 35, 45)), 10)
    hours = rng.randint(3, 8)
    key = start - rate * hours
    if key >= 0:
        raise Reroll
    city = pick(rng, CITIES)
    stem = f"At midnight the temperature in {city} was {_deg(start)}. It fell {dec(rate)} degrees each hour for {hours} hours. What was the temperature then?"
    rat = f"Change = {hours} {TIMES} ({MINUS}{dec(rate)}) = {dec(-rate * hours)}; {dec(start)} + ({dec(-rate * hours)}) = {_deg(key)}."
    ds = [_deg(start + rate * hours), _deg(-rate * hours), _deg(-key), _deg(start - rate - hours)]
    return single(rng, stem, _deg(key), ds, rat, 2, 0.0)


@template("7.NS.A.3", 5)
def ns3_bank(rng: random.Random) -> Draft:
    name = pick(rng, NAMES)
    bal = F(rng.randrange(2000, 9000, 25), 100)
    w = F(rng.randrange(1200, 4000, 25), 100)
    n = rng.randint(3, 6)
    dep = F(rng.randrange(500, 3000, 50), 100)
    key = bal - n * w + dep
    stem = (
        f"{name}'s savings account has {money(bal)}. {name} withdraws {money(w)} each week for {n} weeks and then deposits {money(dep)}. "
        "What is the balance then, in dollars? (Enter a negative number if the account is overdrawn.)"
    )
    rat = f"{money(bal)} − {n} {TIMES} {money(w)} + {money(dep)} = {money(bal)} − {money(n * w)} + {money(dep)} = {money(key)}."
    return numeric(stem, key, rat, 2, 0.2 + 0.4 * (key < 0), tolerance=0.005)


@template("7.NS.A.3", 5)
def ns3_diver(rng: random.Random) -> Draft:
    depth = rng.randint(20, 90)
    rate = pick(rng, (F(1, 2), F(3, 4), F(5, 4), F(3, 2), F(5, 2), F(2), F(3)))
    secs = rng.randint(4, 20)
    key = -depth + rate * secs
    if key >= 0 or (key * 100).denominator != 1 or (rate * 100).denominator != 1:
        raise Reroll
    stem = f"A diver is at {MINUS}{depth} feet. She swims upward at {dec(rate)} feet per second for {secs} seconds. What is her new position?"
    rat = f"Rising {dec(rate)} ft/s for {secs} s is {dec(rate)} {TIMES} {secs} = {dec(rate * secs)} ft up: {MINUS}{depth} + {dec(rate * secs)} = {dec(key)} feet."
    ds = [
        f"{dec(-depth - rate * secs)} feet",
        f"{dec(-key)} feet",
        f"{dec(rate * secs)} feet",
        f"{dec(-depth + rate + secs)} feet",
    ]
    return single(rng, stem, f"{dec(key)} feet", ds, rat, 2, 0.1)


@template("7.NS.A.3", 5)
def ns3_mean_change(rng: random.Random) -> Draft:
    changes = [F(rng.choice((-1, 1)) * rng.randint(1, 16), 4) for _ in range(4)]
    key = sum(changes) / 4
    if (key * 100).denominator != 1 or sum(changes) == 0:
        raise Reroll
    thing = pick(
        rng,
        (
            "the price of one share of a stock",
            "the water level of a pond, in inches,",
            "a runner's lap time, in seconds,",
        ),
    )
    stem = (
        "Over four days, "
        + thing
        + " changed by "
        + ", ".join(dec(c) for c in changes)
        + ". What was the mean (average) daily change?"
    )
    rat = f"Sum = {dec(sum(changes))}; mean = {dec(sum(changes))} {DIVIDE} 4 = {dec(key)}. Keep each sign when adding."
    return numeric(stem, key, rat, 2, 0.5, tolerance=0.0001)


@template("7.NS.A.3", 2)
def ns3_trip_rubric(rng: random.Random) -> Draft:
    gallons = F(rng.randint(20, 40), 2)
    mpg = rng.choice((24, 28, 30, 32, 36))
    trip = rng.choice((180, 240, 300, 350, 420))
    price = F(rng.randrange(299, 449, 10), 100)
    used = F(trip, mpg)
    left = gallons - used
    stem = (
        f"A car's tank holds {dec(gallons)} gallons and the car goes {mpg} miles per gallon. The family starts with a full tank and drives {trip} miles. "
        f"Gas costs {money(price)} per gallon. How many gallons are left, and how much will it cost to fill the tank again? Show each step and check that your answer is reasonable."
    )
    ex = (
        f"Gallons used = {trip} {DIVIDE} {mpg} = {frac(used, True)}; left = {dec(gallons)} − {frac(used, True)} = {frac(left, True)} gallons. "
        f"Cost to refill = {frac(used, True)} {TIMES} {money(price)} {'=' if (used * price * 100).denominator == 1 else '≈'} {money(F(round(used * price * 100), 100))}. Estimate: about {round(float(used))} gallons at about ${round(float(price))} is about ${round(float(used)) * round(float(price))}."
    )
    levels = (
        "No correct step.",
        "Finds the gallons used or the gallons left, but not the cost, or makes an operation error (for example multiplies miles by miles per gallon).",
        "Finds the gallons left and the refill cost correctly with the steps shown.",
        "Meets the standard and checks reasonableness with an estimate, explaining whether the answer makes sense.",
    )
    if left <= 0:
        raise Reroll
    return rubric(stem, ex, levels, 3, 1.1)
