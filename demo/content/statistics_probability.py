"""Templates for 7.SP: sampling, comparing populations, probability models, compound events."""

from __future__ import annotations

import random
from fractions import Fraction as F
from itertools import product

from .item_kit import (
    DIVIDE,
    MINUS,
    TIMES,
    Draft,
    Reroll,
    dec,
    frac,
    multi,
    numeric,
    pct,
    pick,
    ratio,
    rubric,
    single,
    template,
)
from .ratios_proportions import NAMES

# --------------------------------------------------------------------------- 7.SP.A.2


@template("7.SP.A.2", 8)
def sp2_survey(rng: random.Random) -> Draft:
    n = rng.choice((40, 50, 60, 80, 100, 120, 150, 200))
    k = rng.randint(n // 10, n * 7 // 10)
    N = rng.choice((600, 800, 900, 1000, 1200, 1500, 2400))
    est = F(k, n) * N
    if est.denominator != 1:
        raise Reroll
    topic = pick(
        rng,
        (
            "prefer tacos for the spring lunch menu",
            "walk or bike to school",
            "play a musical instrument",
            "want a later start time",
            "have a library card",
        ),
    )
    stem = f"In a random sample of {n} students at a school, {k} said they {topic}. The school has {N} students. About how many students at the school {topic}?"
    rat = f"The sample proportion is {ratio(k, n)}; applying it to the population: {frac(F(k, n))} {TIMES} {N} = {est} students."
    ds = [str(N - est), str(k * N // 100), str(N // n * (n - k) if N % n == 0 else N - est + 10), str(k + N // 10)]
    return single(rng, stem, str(est), ds, rat, 2, -0.1)


@template("7.SP.A.2", 6)
def sp2_capture(rng: random.Random) -> Draft:
    pop = rng.choice((400, 500, 600, 750, 800, 900, 1200, 1500))
    tagged = rng.choice((40, 50, 60, 75, 80, 100))
    caught = rng.choice((30, 40, 50, 60, 80, 100))
    recaught = F(tagged * caught, pop)
    if recaught.denominator != 1 or recaught < 2 or tagged >= pop:
        raise Reroll
    animal = pick(rng, ("trout in a lake", "turtles in a pond", "squirrels in a park", "bass in a reservoir"))
    stem = (
        f"Biologists tag {tagged} {animal} and release them. Later they catch a random sample of {caught}, and {recaught} of them are tagged. "
        "Estimate the total population."
    )
    rat = f"Tagged share in the sample = {recaught}/{caught}; assume the same share overall: {tagged} {DIVIDE} ({recaught}/{caught}) = {tagged} {TIMES} {caught} {DIVIDE} {recaught} = {pop}."
    return numeric(stem, pop, rat, 3, 1.0, tolerance=0)


@template("7.SP.A.2", 6)
def sp2_many_samples(rng: random.Random) -> Draft:
    center = rng.randint(25, 70)
    offsets = rng.sample((-6, -4, -3, -2, 2, 3, 4, 6, 5, -5), 4)
    s = sum(offsets)
    offsets = offsets + [-s] if abs(s) <= 8 and -s not in offsets else None  # type: ignore[assignment]
    if offsets is None:
        raise Reroll
    props = [center + o for o in offsets]
    topic = pick(
        rng,
        (
            "would vote for a new skate park",
            "recycle at home",
            "watch the school's basketball games",
            "eat breakfast every day",
        ),
    )
    stem = (
        f"Five students each took a random sample of 50 adults in their town and found the percent who {topic}: "
        + ", ".join(f"{p}%" for p in props)
        + ". Which is the most reasonable estimate of the percent of all adults in the town who "
        + topic
        + "?"
    )
    rat = f"The samples vary, but they cluster around their mean, ({' + '.join(map(str, props))}) {DIVIDE} 5 = {center}%. A single extreme sample ({min(props)}% or {max(props)}%) is a less reliable estimate."
    ds = [f"{max(props)}%", f"{min(props)}%", f"{max(props) - min(props)}%", "50%"]
    return single(rng, stem, f"{center}%", ds, rat, 2, 0.3)


@template("7.SP.A.2", 2)
def sp2_inference_rubric(rng: random.Random) -> Draft:
    n = rng.choice((50, 80, 100))
    k = rng.randint(n // 5, n // 2)
    N = rng.choice((800, 1000, 1200))
    stem = (
        f"To decide whether to add a vegetarian lunch option, the student council asked {n} randomly chosen students at a school of {N}. "
        f"{k} wanted the option. Estimate how many students in the school want it, and explain why a random sample makes your estimate reasonable. "
        "Would asking only the members of the cooking club give a better estimate? Explain."
    )
    est = F(k, n) * N
    ex = (
        f"{k}/{n} = {pct(F(k, n)) if (F(k, n) * 10000).denominator == 1 else frac(F(k, n))} of the sample, so about {frac(F(k, n))} {TIMES} {N} ≈ {round(float(est))} students. "
        "A random sample gives every student the same chance to be chosen, so it tends to represent the school; the cooking club is a biased sample."
    )
    levels = (
        "No estimate and no valid reasoning.",
        "Gives an estimate from a correct proportion without justification, or justifies sampling but miscomputes.",
        f"Estimates about {round(float(est))} students with the proportion shown, and explains why random sampling supports it and why the club is biased.",
        "Meets the standard and notes that another random sample would give a somewhat different estimate, describing the expected variation.",
    )
    return rubric(stem, ex, levels, 3, 1.1)


# --------------------------------------------------------------------------- 7.SP.B.4


def _data(rng: random.Random, n: int, lo: int, hi: int) -> list[int]:
    return sorted(rng.randint(lo, hi) for _ in range(n))


@template("7.SP.B.4", 6)
def sp4_mean(rng: random.Random) -> Draft:
    n = rng.choice((5, 6, 8))
    data = _data(rng, n, 2, 30)
    mean = F(sum(data), n)
    if (mean * 100).denominator != 1:
        raise Reroll
    ctx = pick(
        rng,
        (
            "the number of books read over the summer by",
            "the number of push-ups done in one minute by",
            "the number of text messages sent in an hour by",
        ),
    )
    shuffled = data[:]
    rng.shuffle(shuffled)
    stem = (
        f"The data show {ctx} {n} students in a random sample: " + ", ".join(map(str, shuffled)) + ". What is the mean?"
    )
    rat = f"Mean = sum {DIVIDE} count = {sum(data)} {DIVIDE} {n} = {dec(mean)}."
    return numeric(stem, mean, rat, 1, -0.5, tolerance=0.001)


@template("7.SP.B.4", 6)
def sp4_mad(rng: random.Random) -> Draft:
    n = rng.choice((4, 5))
    data = _data(rng, n, 1, 20)
    mean = F(sum(data), n)
    if mean.denominator != 1 or len(set(data)) < 3:
        raise Reroll
    devs = [abs(x - mean) for x in data]
    mad = sum(devs) / n
    if (mad * 100).denominator != 1:
        raise Reroll
    shuffled = data[:]
    rng.shuffle(shuffled)
    stem = "Find the mean absolute deviation (MAD) of the data set: " + ", ".join(map(str, shuffled)) + "."
    rat = f"Mean = {sum(data)} {DIVIDE} {n} = {mean}. Distances from the mean: {', '.join(dec(d) for d in devs)}; their mean is {dec(sum(devs))} {DIVIDE} {n} = {dec(mad)}."
    ds = [
        dec(sum(devs)),
        dec(mean),
        dec(max(data) - min(data)),
        dec(sum(devs) / (n - 1)) if (sum(devs) / (n - 1) * 100).denominator == 1 else dec(mad + 1),
    ]
    return single(rng, stem, dec(mad), ds, rat, 2, 0.6)


@template("7.SP.B.3", 6)
def sp3_mads_apart(rng: random.Random) -> Draft:
    ctx, lo, hi, gaps, mads = pick(
        rng,
        (
            (
                ("heights, in inches, of a random sample of seventh graders", "of eleventh graders"),
                57,
                61,
                (3, 4, 6, 8, 9),
                (2, 3),
            ),
            (
                ("scores of a random sample of students in Class A on a quiz", "in Class B"),
                62,
                80,
                (2, 3, 4, 6, 8, 9, 10, 12),
                (2, 3, 4),
            ),
            (
                ("hours of sleep per week of a random sample of middle school students", "of high school students"),
                56,
                64,
                (2, 3, 4, 6, 8),
                (2, 3, 4),
            ),
        ),
    )
    m1 = rng.randint(lo, hi)
    gap = rng.choice(gaps)
    mad = rng.choice(mads)
    m2 = m1 + gap
    ratio = F(gap, mad)
    if (ratio * 100).denominator != 1:
        raise Reroll
    stem = (
        f"The {ctx[0]} have a mean of {m1} and a MAD of {mad}. The same measurements {ctx[1]} have a mean of {m2} and a MAD of {mad}. "
        "The difference in means is how many times the MAD?"
    )
    rat = f"Difference of means = {m2} − {m1} = {gap}; {gap} {DIVIDE} {mad} = {dec(ratio)} MAD{'s' if ratio != 1 else ''}. A larger multiple means less overlap between the two groups."
    ds = [
        dec(F(mad, gap)) if (F(mad, gap) * 100).denominator == 1 else frac(F(mad, gap)),
        str(gap),
        dec(ratio * 2),
        dec(F(m2, m1) * 1) if (F(m2, m1) * 100).denominator == 1 else str(gap + mad),
    ]
    return single(rng, stem, dec(ratio), ds, rat, 2, 0.5)


@template("7.SP.B.4", 4)
def sp4_median_inference(rng: random.Random) -> Draft:
    n = 7
    a = _data(rng, n, 2, 20)
    b = _data(rng, n, 5, 26)
    ma, mb = a[3], b[3]
    if ma == mb:
        raise Reroll
    teams = pick(
        rng,
        (
            ("Team Red", "Team Blue"),
            ("Ms. Ortiz's class", "Mr. Kim's class"),
            ("the morning bus riders", "the afternoon bus riders"),
        ),
    )
    wrong = a[0] if a[0] != ma else a[-1]
    if wrong == ma:
        raise Reroll
    higher = teams[0] if ma > mb else teams[1]
    lower = teams[1] if ma > mb else teams[0]
    stem = (
        f"Random samples of 7 students give minutes spent on homework last night. {teams[0]}: {', '.join(map(str, a))}. "
        f"{teams[1]}: {', '.join(map(str, b))}. Which statement is best supported by the medians?"
    )
    key = f"{higher[0].upper() + higher[1:]} typically spent more time ({max(ma, mb)} vs {min(ma, mb)} minutes)."
    ds = [
        f"{lower[0].upper() + lower[1:]} typically spent more time ({max(ma, mb)} vs {min(ma, mb)} minutes).",
        f"Every student in {higher} spent more time than every student in {lower}."
        if min(a if higher == teams[0] else b) <= max(b if higher == teams[0] else a)
        else "The two groups spent exactly the same time.",
        "The two groups spent exactly the same time.",
        f"The median of {teams[0]} is {wrong} minutes.",
    ]
    rat = f"The median is the middle (4th) value of each ordered list: {ma} and {mb}. So {higher} typically spent more time, though the data overlap, so not every student in it did."
    return single(rng, stem, key, ds, rat, 2, 0.4)


@template("7.SP.B.4", 2)
def sp4_compare_rubric(rng: random.Random) -> Draft:
    a = _data(rng, 6, 10, 30)
    shift = rng.choice((4, 5, 6, 8))
    b = [x + shift for x in a]
    rng.shuffle(b)
    ma_ = F(sum(a), 6)
    mad = sum(abs(x - ma_) for x in a) / 6
    if mad == 0:
        raise Reroll
    stem = (
        "Random samples of 6 plants grew under two kinds of light. Growth in centimeters: LED light: "
        + ", ".join(map(str, a))
        + "; sunlight: "
        + ", ".join(map(str, b))
        + ". Compare the two groups using a measure of center and a measure of variability, and state an informal conclusion about which light produces more growth."
    )
    ma, mb = F(sum(a), 6), F(sum(b), 6)
    ex = (
        f"Means: LED {frac(ma, True)} cm, sunlight {frac(mb, True)} cm; both groups have the same MAD, {frac(mad, True)} cm (and the same range, {a[-1] - a[0]} cm). "
        f"The difference of means, {shift} cm, is about {float(shift / mad):.1f} MADs, so sunlight tends to produce more growth in these samples, although the groups overlap."
    )
    levels = (
        "No correct measure and no conclusion.",
        "Computes a measure of center or variability correctly but not both, or draws a conclusion without data.",
        "Computes a center (mean or median) and a variability (MAD, IQR or range) for both groups and concludes that sunlight plants grew more.",
        "Meets the standard and expresses the difference of centers relative to the variability and notes the conclusion comes from samples and could change.",
    )
    return rubric(stem, ex, levels, 3, 1.1)


# --------------------------------------------------------------------------- 7.SP.C.6


@template("7.SP.C.6", 6)
def sp6_predict(rng: random.Random) -> Draft:
    p = pick(rng, (F(1, 4), F(1, 5), F(3, 8), F(2, 5), F(1, 3), F(3, 10), F(1, 6)))
    n = rng.choice((60, 120, 150, 180, 240, 300, 360, 600))
    key = p * n
    if key.denominator != 1:
        raise Reroll
    ctx = pick(
        rng,
        (
            "a spinner lands on blue",
            "a basketball player makes a free throw",
            "a seed sprouts",
            "a randomly chosen caller wins a prize",
        ),
    )
    stem = f"The probability that {ctx} is {frac(p)}. In {n} trials, about how many times should you expect this to happen?"
    rat = f"Expected count ≈ probability {TIMES} number of trials = {frac(p)} {TIMES} {n} = {key}."
    return numeric(stem, key, rat, 1, -0.4, tolerance=0)


@template("7.SP.C.6", 6)
def sp6_experimental(rng: random.Random) -> Draft:
    n = rng.choice((20, 25, 40, 50, 60, 80, 100))
    k = rng.randint(n // 5, n * 4 // 5)
    if F(k, n) == F(1, 2):
        raise Reroll
    ctx = pick(
        rng,
        (
            ("flipped a paper cup", "landed on its side", "lands on its side"),
            ("tossed a thumbtack", "landed point up", "lands point up"),
            ("spun a homemade spinner", "landed on red", "lands on red"),
            ("dropped a piece of toast", "landed butter side down", "lands butter side down"),
        ),
    )
    name = pick(rng, NAMES)
    stem = f"{name} {ctx[0]} {n} times. It {ctx[1]} {k} times. Based on these results, what is the experimental probability that it {ctx[2]}?"
    rat = f"Experimental probability = favorable results {DIVIDE} trials = {ratio(k, n)}."
    ds = [frac(F(k, n - k)), frac(F(n - k, n)), "1/2", frac(F(1, k)) if k > 1 else "1/3"]
    return single(rng, stem, frac(F(k, n)), ds, rat, 1, -0.6)


@template("7.SP.C.6", 5)
def sp6_defects(rng: random.Random) -> Draft:
    n = rng.choice((100, 200, 250, 400, 500))
    k = rng.randint(2, 12)
    N = rng.choice((2000, 5000, 8000, 10000, 12000))
    key = F(k, n) * N
    if key.denominator != 1:
        raise Reroll
    thing = pick(rng, ("light bulbs", "phone chargers", "bike tires", "water bottles"))
    stem = f"A quality inspector tested {n} randomly chosen {thing} and found {k} defective. Predict how many of the next {N:,} {thing} made will be defective."
    rat = f"Relative frequency = {k}/{n}; {k}/{n} {TIMES} {N:,} = {key}."
    return numeric(stem, key, rat, 2, 0.2, tolerance=0)


@template("7.SP.C.6", 5)
def sp6_law_large(rng: random.Random) -> Draft:
    sides = rng.choice((4, 6, 8, 10, 12))
    n = sides * rng.choice((10, 20, 50, 100))
    target = rng.randint(1, sides)
    expected = n // sides
    die = "number cube (faces 1–6)" if sides == 6 else f"{sides}-sided die (faces 1–{sides})"
    stem = f"A fair {die} is rolled {n} times. Which statement about the number of times it lands on {target} is most likely true?"
    key = f"It will be close to {expected}, but probably not exactly {expected}."
    ds = [
        f"It will be exactly {expected}.",
        f"It will be close to {n // 2}.",
        f"It will be close to {target * n // sides if target * n // sides != expected else expected * 2}.",
        "It cannot be predicted at all.",
    ]
    rat = f"The probability is 1/{sides}, so the expected count is {n} {TIMES} 1/{sides} = {expected}; chance variation makes an exact match unlikely, but relative frequency tends toward 1/{sides} as trials increase."
    return single(rng, stem, key, ds, rat, 2, 0.0)


# --------------------------------------------------------------------------- 7.SP.C.7


COLORS = ("red", "blue", "green", "yellow", "purple")


@template("7.SP.C.7", 6)
def sp7_marbles(rng: random.Random) -> Draft:
    cols = rng.sample(COLORS, 3)
    counts = [rng.randint(2, 12) for _ in cols]
    total = sum(counts)
    target = rng.randrange(3)
    neg = rng.random() < 0.5
    fav = total - counts[target] if neg else counts[target]
    key = F(fav, total)
    desc = ", ".join(f"{c} {col}" for c, col in zip(counts, cols))
    what = f"not {cols[target]}" if neg else cols[target]
    stem = f"A bag holds {desc} marbles. One marble is picked at random. What is the probability that it is {what}?"
    rat = (
        f"There are {total} marbles in all and {fav} are {what}, so P = favorable {DIVIDE} total = {ratio(fav, total)}. "
        f"Comparing favorable with unfavorable ({fav} to {total - fav}) gives odds, not a probability."
    )
    odds = F(fav, total - fav)
    ds = [
        frac(F(total - fav, total)),
        frac(odds) if odds < 1 else frac(F(fav, total * 2)),
        frac(F(fav, total + fav)),
        frac(F(1, 3)),
        frac(F(1, fav)),
    ]
    return single(rng, stem, frac(key), ds, rat, 1, -0.7 + 0.3 * neg)


@template("7.SP.C.7", 6)
def sp7_spinner(rng: random.Random) -> Draft:
    n = rng.choice((6, 8, 10, 12))
    kind = rng.choice(("even", "greater than", "multiple of 3", "prime"))
    if kind == "greater than":
        m = rng.randint(2, n - 2)
        fav = [v for v in range(1, n + 1) if v > m]
        what = f"a number greater than {m}"
    elif kind == "even":
        fav = [v for v in range(1, n + 1) if v % 2 == 0]
        what = "an even number"
    elif kind == "multiple of 3":
        fav = [v for v in range(1, n + 1) if v % 3 == 0]
        what = "a multiple of 3"
    else:
        fav = [v for v in range(2, n + 1) if all(v % q for q in range(2, v))]
        what = "a prime number"
    key = F(len(fav), n)
    stem = f"A spinner has {n} equal sections numbered 1 to {n}. What is the probability of spinning {what}?"
    rat = f"Favorable outcomes: {', '.join(map(str, fav))} ({len(fav)} of {n} equally likely sections), so P = {ratio(len(fav), n)}."
    ds = [
        frac(F(n - len(fav), n)),
        frac(F(len(fav), n - len(fav))) if n != 2 * len(fav) else frac(F(1, n)),
        frac(F(1, n)),
        frac(F(len(fav) + 1, n)),
    ]
    return single(rng, stem, frac(key), ds, rat, 1, -0.4)


@template("7.SP.C.7", 5)
def sp7_model_vs_data(rng: random.Random) -> Draft:
    n = rng.choice((60, 120, 180, 240, 300))
    face = rng.randint(1, 6)
    obs = n // 6 + rng.choice((-1, 1)) * rng.randint(max(6, n // 15), n // 10)
    stem = f"A number cube is rolled {n} times and lands on {face} a total of {obs} times. How does the experimental probability of rolling a {face} compare with the theoretical probability for a fair cube?"
    exp_p, th = F(obs, n), F(1, 6)
    more = exp_p > th
    key = f"Experimental {frac(exp_p)} is {'greater' if more else 'less'} than theoretical 1/6; with this many rolls the cube may not be fair."
    ds = [
        f"Experimental {frac(exp_p)} is {'less' if more else 'greater'} than theoretical 1/6.",
        f"They are equal: both are {frac(exp_p)}.",
        f"Theoretical probability is {obs}/{n}, the same as the data.",
        f"Experimental {frac(F(obs, n - obs))} is {'greater' if more else 'less'} than theoretical 1/5.",
    ]
    rat = f"Experimental P = {obs}/{n} = {frac(exp_p)}; theoretical P for a fair cube = 1/6 (expected about {n // 6} of {n}). A gap this large over {n} rolls suggests the cube may be biased."
    return single(rng, stem, key, ds, rat, 3, 0.8)


@template("7.SP.C.7", 4)
def sp7_likely(rng: random.Random) -> Draft:
    cols = rng.sample(COLORS, 2)
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    total = a + b
    correct, incorrect = [], []
    (correct if a > b else incorrect).append(f"Drawing {cols[0]} is more likely than drawing {cols[1]}.")
    (correct if a == b else incorrect).append(f"Drawing {cols[0]} and drawing {cols[1]} are equally likely.")
    correct.append(f"The probability of drawing {cols[0]} is {frac(F(a, total))}.")
    incorrect.append(
        f"The probability of drawing {cols[1]} is {frac(F(b, a))}."
        if a != b and F(b, a) != F(b, total)
        else f"The probability of drawing {cols[1]} is 1."
    )
    correct.append(f"Drawing a {cols[0]} or {cols[1]} tile is certain (probability 1).")
    incorrect.append(f"The probability of drawing a {cols[0]} tile is {a}.")
    stem = f"A box holds {a} {cols[0]} tiles and {b} {cols[1]} tiles. One tile is drawn at random. Which statements are true? Select all that apply."
    rat = f"P({cols[0]}) = {a}/{total} and P({cols[1]}) = {b}/{total}; probabilities are between 0 and 1, the larger count is the more likely color, and drawing one of the only two colors is certain."
    return multi(rng, stem, correct, incorrect, rat, 2, 0.0)


@template("7.SP.C.7", 2)
def sp7_model_rubric(rng: random.Random) -> Draft:
    counts = [rng.randint(5, 25) for _ in range(3)]
    total = sum(counts)
    trials = total
    stem = (
        f"Ava spun a spinner with three colors {trials} times: red {counts[0]}, blue {counts[1]}, green {counts[2]}. "
        "Build a probability model from her data, then use it to predict the number of green results in 300 spins. "
        "Explain whether the spinner seems to have equal sections."
    )
    pg = F(counts[2], total)
    ex = (
        f"Model: P(red) = {counts[0]}/{total}, P(blue) = {counts[1]}/{total}, P(green) = {counts[2]}/{total} (they sum to 1). "
        f"Prediction: {frac(pg)} {TIMES} 300 ≈ {round(float(pg * 300))} green. Equal sections would give about 1/3 each (about {total / 3:.0f} of {total}); "
        "compare the counts to decide."
    )
    levels = (
        "No model or prediction.",
        "Writes some relative frequencies or a prediction, but the model does not sum to 1 or the prediction uses the wrong probability.",
        f"Gives all three relative frequencies, predicts about {round(float(pg * 300))} green results, and compares with 1/3 for equal sections.",
        "Meets the standard and explains that more spins would give a more reliable model and judges how large a difference from 1/3 is meaningful.",
    )
    return rubric(stem, ex, levels, 3, 1.0)


# --------------------------------------------------------------------------- 7.SP.C.8


@template("7.SP.C.8", 5)
def sp8_coin_die(rng: random.Random) -> Draft:
    k = rng.randint(2, 6)
    side = rng.choice(("heads", "tails"))
    kind = rng.choice(("less than", "greater than"))
    fav_die = k - 1 if kind == "less than" else 6 - k
    if fav_die == 0:
        raise Reroll
    key = F(1, 2) * F(fav_die, 6)
    stem = f"You flip a fair coin and roll a fair number cube (1–6). What is the probability of getting {side} and a number {kind} {k}?"
    rat = f"12 equally likely outcomes; P({side}) = 1/2 and P(number {kind} {k}) = {fav_die}/6, so P(both) = 1/2 {TIMES} {fav_die}/6 = {frac(key)}."
    ds = [
        frac(F(1, 2) + F(fav_die, 6)) if F(1, 2) + F(fav_die, 6) < 1 else frac(F(fav_die, 6)),
        frac(F(fav_die, 6)),
        frac(F(fav_die, 8)),
        frac(F(1, 12)),
    ]
    return single(rng, stem, frac(key), ds, rat, 2, 0.3)


@template("7.SP.C.8", 5)
def sp8_count(rng: random.Random) -> Draft:
    a, b, c = rng.randint(2, 5), rng.randint(2, 6), rng.randint(2, 4)
    setting, outcome = pick(
        rng,
        (
            (
                f"A deli offers {a} kinds of bread, {b} fillings and {c} sauces.",
                "sandwiches with one bread, one filling and one sauce",
            ),
            (
                f"For a trip, Mia packs {a} shirts, {b} pairs of pants and {c} pairs of shoes.",
                "outfits of one shirt, one pair of pants and one pair of shoes",
            ),
            (
                f"A frozen yogurt shop offers {a} cup sizes, {b} flavors and {c} toppings.",
                "orders of one size, one flavor and one topping",
            ),
        ),
    )
    stem = f"{setting} How many different {outcome} are possible?"
    key = a * b * c
    rat = f"By the counting principle (or a tree diagram), each choice multiplies the possibilities: {a} {TIMES} {b} {TIMES} {c} = {key}."
    ds = [str(a + b + c), str(a * b + c), str(a * b), str(key * 2)]
    return single(rng, stem, str(key), ds, rat, 1, -0.5)


@template("7.SP.C.8", 5)
def sp8_two_spinners(rng: random.Random) -> Draft:
    m, n = rng.randint(3, 5), rng.randint(3, 6)
    sums = [i + j for i, j in product(range(1, m + 1), range(1, n + 1))]
    s = rng.randint(3, m + n - 1)
    fav = sums.count(s)
    key = F(fav, m * n)
    stem = f"Spinner A has {m} equal sections numbered 1 to {m}; spinner B has {n} equal sections numbered 1 to {n}. Both are spun. What is the probability that the sum is {s}?"
    rat = f"There are {m} {TIMES} {n} = {m * n} equally likely pairs; {fav} of them have sum {s}, so P = {ratio(fav, m * n)}."
    ds = [frac(F(1, m * n)), frac(F(fav, m + n)), frac(F(1, m + n - 1)), frac(F(fav + 1, m * n))]
    return single(rng, stem, frac(key), ds, rat, 2, 0.6)


@template("7.SP.C.8", 5)
def sp8_replacement(rng: random.Random) -> Draft:
    r, b = rng.randint(2, 7), rng.randint(2, 7)
    t = r + b
    replace = rng.random() < 0.5
    key = F(r, t) * (F(r, t) if replace else F(r - 1, t - 1))
    how = "puts it back, and picks again" if replace else "keeps it, and picks a second card"
    stem = f"A box has {r} red cards and {b} blue cards. Sam picks a card at random, {how}. What is the probability that both cards are red?"
    if replace:
        rat = f"With replacement the draws are independent: {r}/{t} {TIMES} {r}/{t} = {frac(key)}."
        other = F(r, t) * F(r - 1, t - 1)
    else:
        rat = f"Without replacement the second draw has {r - 1} red of {t - 1}: {r}/{t} {TIMES} {r - 1}/{t - 1} = {frac(key)}."
        other = F(r, t) ** 2
    ds = [frac(other), frac(F(r, t) * 2) if F(r, t) * 2 < 1 else frac(F(r, t)), frac(F(r, t)), frac(F(r, t) * F(b, t))]
    return single(rng, stem, frac(key), ds, rat, 2, 0.8 + 0.2 * (not replace))


@template("7.SP.C.8", 4)
def sp8_simulation(rng: random.Random) -> Draft:
    trials = rng.choice((20, 25, 40, 50))
    p = rng.choice((F(3, 10), F(2, 5), F(1, 2), F(3, 5), F(7, 10), F(4, 5)))
    hits = max(2, round(float(p * p * trials)) + rng.randint(-3, 3))
    stem = (
        f"A basketball player makes {frac(p)} of her free throws. To simulate two free throws, a class uses random digits (0–9), "
        f"letting {int(p * 10)} of the digits stand for a make, and reads pairs of digits. In {trials} simulated pairs, {hits} pairs were two makes. "
        "What is the estimated probability that she makes both free throws?"
    )
    key = F(hits, trials)
    rat = f"Estimated probability = pairs with two makes {DIVIDE} number of pairs = {ratio(hits, trials)} (the theoretical value is {frac(p)} {TIMES} {frac(p)} = {frac(p * p)})."
    ds = [frac(p * p) if p * p != key else frac(p), frac(p), frac(F(hits, 2 * trials)), frac(F(trials - hits, trials))]
    return single(rng, stem, frac(key), ds, rat, 2, 0.7)


@template("7.SP.C.8", 2)
def sp8_fair_game_rubric(rng: random.Random) -> Draft:
    target = rng.choice((7, 6, 8, 5))
    stem = (
        f"In a game, two number cubes are rolled. Player 1 scores a point if the sum is {target}; Player 2 scores a point if the sum is 2, 3, 11 or 12. "
        "Is the game fair? Make an organized list or table of the outcomes and use probabilities to justify your answer."
    )
    sums = [i + j for i, j in product(range(1, 7), repeat=2)]
    p1 = F(sums.count(target), 36)
    p2 = F(sum(sums.count(s) for s in (2, 3, 11, 12)), 36)
    verdict = "fair" if p1 == p2 else "not fair"
    ex = (
        f"The 6 {TIMES} 6 table has 36 equally likely outcomes. Sum {target}: {sums.count(target)} outcomes, P = {frac(p1)}. "
        f"Sums 2, 3, 11, 12: 1 + 2 + 2 + 1 = 6 outcomes, P = {frac(p2)}. The game is {verdict}."
    )
    levels = (
        "No list or table and no valid judgment.",
        "Makes a partial list or counts outcomes for only one player, or treats the 11 possible sums as equally likely.",
        f"Uses the 36-outcome table to find both probabilities ({frac(p1)} and {frac(p2)}) and concludes the game is {verdict}.",
        "Meets the standard and explains why the sums are not equally likely and, if unfair, proposes a change that would make the game fair.",
    )
    return rubric(stem, ex, levels, 3, 1.2)


# --------------------------------------------------------------------------- 7.SP.C.5

WORDS = ("impossible", "unlikely", "equally likely as not", "likely", "certain")


def _word(p: F) -> str:
    if p == 0:
        return "impossible"
    if p == 1:
        return "certain"
    if p == F(1, 2):
        return "equally likely as not"
    return "unlikely" if p < F(1, 2) else "likely"


def _prob_text(rng: random.Random, p: F) -> str:
    form = rng.choice(("frac", "dec", "pct"))
    if form == "dec" and (p * 100).denominator == 1:
        return dec(p)
    if form == "pct" and (p * 100).denominator == 1:
        return pct(p)
    return frac(p)


@template("7.SP.C.5", 6)
def sp5_words(rng: random.Random) -> Draft:
    p = pick(
        rng,
        (
            F(0),
            F(1),
            F(1, 2),
            F(1, 20),
            F(1, 10),
            F(3, 20),
            F(1, 5),
            F(1, 4),
            F(3, 10),
            F(7, 10),
            F(3, 4),
            F(4, 5),
            F(9, 10),
            F(19, 20),
            F(2, 3),
            F(1, 3),
        ),
    )
    event = pick(
        rng,
        (
            "it will snow in town tomorrow",
            "a randomly chosen student has a pet",
            "the bus arrives on time",
            "a free throw goes in",
            "a seed sprouts",
            "the next caller wins",
        ),
    )
    ptext = _prob_text(rng, p)
    stem = f"The probability that {event} is {ptext}. Which word best describes how likely this event is?"
    key = _word(p)
    ds = [w for w in WORDS if w != key]
    rng.shuffle(ds)
    # keep the nearest wrong word as a distractor: the typical confusion
    idx = WORDS.index(key)
    near = [WORDS[j] for j in (idx - 1, idx + 1) if 0 <= j < len(WORDS)]
    ds = near + [w for w in ds if w not in near]
    rat = (
        f"Probabilities run from 0 (impossible) to 1 (certain); 1/2 means equally likely as not. {ptext} is "
        + (
            "exactly 0"
            if p == 0
            else "exactly 1"
            if p == 1
            else "exactly 1/2"
            if p == F(1, 2)
            else ("less than 1/2" if p < F(1, 2) else "greater than 1/2")
        )
        + f", so the event is {key}."
    )
    return single(rng, stem, key, ds, rat, 1, -1.0)


@template("7.SP.C.5", 5)
def sp5_valid(rng: random.Random) -> Draft:
    good = [F(rng.randint(1, 19), 20), F(rng.randint(1, 7), 8), F(0), F(1), F(rng.randint(1, 99), 100)]
    bad_texts = [
        f"{rng.randint(5, 9)}/4",
        dec(F(rng.randint(11, 19), 10)),
        f"{rng.randint(105, 150)}%",
        f"{MINUS}{dec(F(rng.randint(1, 9), 10))}",
    ]
    k = rng.randint(2, 3)
    correct = [_prob_text(rng, p) for p in rng.sample(good, k)]
    incorrect = rng.sample(bad_texts, 5 - k)
    stem = "Which numbers could be the probability of an event? Select all that apply."
    rat = "A probability is a number from 0 to 1 inclusive (0% to 100%). Negative numbers and numbers greater than 1 (or 100%) cannot be probabilities; 0 and 1 can (impossible and certain events)."
    return multi(rng, stem, correct, incorrect, rat, 1, -0.5)


@template("7.SP.C.5", 5)
def sp5_most_likely(rng: random.Random) -> Draft:
    ps = rng.sample([F(n, 20) for n in range(1, 20)], 4)
    events = rng.sample(
        (
            "rain on Saturday",
            "a win for the home team",
            "a quiz on Friday",
            "snow before noon",
            "a fire drill this week",
            "a visit from the principal",
        ),
        4,
    )
    stem = (
        "The weather club and the student council listed the probabilities of some events: "
        + "; ".join(f"{e}: {_prob_text(rng, p)}" for e, p in zip(events, ps))
        + ". Which event is most likely?"
    )
    best = max(range(4), key=lambda j: ps[j])
    worst = min(range(4), key=lambda j: ps[j])
    cap = [e[0].upper() + e[1:] for e in events]
    key = cap[best]
    ds = [cap[j] for j in range(4) if j != best]
    rat = (
        "Compare the probabilities in one form: "
        + ", ".join(f"{e} = {dec(p)}" for e, p in zip(events, ps))
        + f". The greatest, {dec(ps[best])}, belongs to {events[best]}; {events[worst]} is least likely."
    )
    return single(rng, stem, key, ds, rat, 2, 0.0, shuffle=True)


@template("7.SP.C.5", 4)
def sp5_spinner_words(rng: random.Random) -> Draft:
    n = rng.choice((4, 5, 6, 8, 10, 12))
    k = rng.randint(0, n)
    col = pick(rng, ("blue", "orange", "green"))
    p = F(k, n)
    stem = f"A spinner has {n} equal sections; {k} of them {'is' if k == 1 else 'are'} {col}. Which word best describes landing on {col}?"
    key = _word(p)
    idx = WORDS.index(key)
    near = [WORDS[j] for j in (idx - 1, idx + 1) if 0 <= j < len(WORDS)]
    ds = near + [w for w in WORDS if w != key and w not in near]
    rat = (
        f"P({col}) = {ratio(k, n)}"
        + (f" = {dec(p)}" if p not in (0, 1) and (p * 100).denominator == 1 else "")
        + f", so landing on {col} is {key}."
    )
    return single(rng, stem, key, ds, rat, 1, -0.8)


@template("7.SP.C.5", 2)
def sp5_scale_rubric(rng: random.Random) -> Draft:
    r, b = rng.randint(1, 9), rng.randint(1, 9)
    if r == b:
        raise Reroll
    stem = (
        f"A bag holds {r} red {'cube' if r == 1 else 'cubes'} and {b} blue {'cube' if b == 1 else 'cubes'} and nothing else. Draw a number line from 0 to 1 and mark the probability of each event: "
        "(a) drawing a red cube, (b) drawing a blue cube, (c) drawing a green cube, (d) drawing a red or blue cube. "
        "Describe each event with a word such as impossible, unlikely, likely or certain, and explain your placement."
    )
    t = r + b
    ex = (
        f"(a) {r}/{t}, {_word(F(r, t))}; (b) {b}/{t}, {_word(F(b, t))}; (c) 0, impossible (there are no green cubes); "
        f"(d) 1, certain (every cube is red or blue). (a) and (b) add to 1 and sit on opposite sides of 1/2."
    )
    levels = (
        "No correct probability or placement.",
        "Places some events correctly, or gives probabilities without words, or places (c) or (d) incorrectly.",
        f"Gives all four probabilities ({r}/{t}, {b}/{t}, 0, 1), places them correctly on the line and describes each with a suitable word.",
        "Meets the standard and explains why (a) and (b) must add to 1 and why the closer a probability is to 1, the more likely the event.",
    )
    return rubric(stem, ex, levels, 2, 0.3)


@template("7.SP.B.4", 5)
def sp4_median(rng: random.Random) -> Draft:
    n = rng.choice((6, 7, 8, 9))
    data = _data(rng, n, 40, 95)
    med = F(data[(n - 1) // 2] + data[n // 2], 2)
    ctx = pick(
        rng, ("scores on a science test", "resting heart rates, in beats per minute,", "minutes of daily exercise")
    )
    shuffled = data[:]
    rng.shuffle(shuffled)
    stem = (
        f"A random sample of {n} students gave these {ctx}: " + ", ".join(map(str, shuffled)) + ". What is the median?"
    )
    mid = (
        f"the middle value, {data[n // 2]}"
        if n % 2
        else f"the mean of the two middle values, ({data[n // 2 - 1]} + {data[n // 2]}) {DIVIDE} 2 = {dec(med)}"
    )
    rat = (
        "Order the data: "
        + ", ".join(map(str, data))
        + f". The median is {mid}. The median of the unordered list is not its middle entry."
    )
    return numeric(stem, med, rat, 1, -0.3 + 0.3 * (n % 2 == 0), tolerance=0.001)


# --------------------------------------------------------------------------- 7.SP.B.3


@template("7.SP.B.3", 5)
def sp3_overlap(rng: random.Random) -> Draft:
    mad = rng.choice((2, 3, 4, 5))
    mult = rng.choice((F(1, 2), F(1), F(3), F(4), F(5)))
    m1 = rng.randint(20, 60)
    m2 = m1 + mult * mad
    if m2.denominator != 1:
        raise Reroll
    ctx = pick(
        rng,
        (
            "the number of minutes two bus routes take to reach school",
            "the weights, in pounds, of two breeds of dogs at a shelter",
            "the points scored per game by two basketball teams",
        ),
    )
    stem = (
        f"Dot plots of {ctx} have similar spreads, each with a MAD of {mad}. The means are {m1} and {m2}. "
        "Which statement best describes the two distributions?"
    )
    big = mult >= 2

    def mads(x: F) -> str:
        return f"{dec(x)} MAD" + ("s" if x > 1 else "")

    key = f"The means differ by {mads(mult)}, so the distributions " + ("barely overlap." if big else "overlap a lot.")
    inverse = F(mad) / (m2 - m1)
    ds = [
        f"The means differ by {mads(mult)}, so the distributions " + ("overlap a lot." if big else "barely overlap."),
        f"The means differ by {mads(F(m2 - m1))}, so the distributions barely overlap."
        if m2 - m1 != mult
        else "The distributions must be identical.",
        "The distributions cannot be compared because their means are different.",
        f"The means differ by {mads(inverse)}, so the distributions overlap a lot."
        if inverse != mult and (inverse * 100).denominator == 1
        else "The distributions do not overlap at all.",
    ]
    rat = (
        f"Difference of means = {m2} − {m1} = {m2 - m1} = {dec(mult)} {TIMES} {mad}, that is {mads(mult)}. "
        "When the centers are 2 or more MADs apart the distributions are well separated; at about 1 MAD or less they overlap a lot."
    )
    return single(rng, stem, key, ds, rat, 2, 0.6)


@template("7.SP.B.3", 5)
def sp3_from_data(rng: random.Random) -> Draft:
    a = _data(rng, 5, 10, 30)
    mean_a = F(sum(a), 5)
    mad = sum(abs(x - mean_a) for x in a) / 5
    shift = rng.choice((4, 6, 8, 9, 10, 12))
    if mad == 0 or mean_a.denominator != 1 or (F(shift) / mad * 100).denominator != 1:
        raise Reroll
    b = [x + shift for x in a]
    rng.shuffle(b)
    groups = pick(
        rng, (("Class A", "Class B"), ("the morning runners", "the evening runners"), ("Garden 1", "Garden 2"))
    )
    stem = (
        f"Two data sets have the same variability. {groups[0]}: "
        + ", ".join(map(str, a))
        + f". {groups[1]}: "
        + ", ".join(map(str, b))
        + f". The MAD of each set is {dec(mad)}. The difference of the means is how many times the MAD?"
    )
    key = F(shift) / mad
    rat = f"Means: {dec(mean_a)} and {dec(mean_a + shift)}; difference {shift}; {shift} {DIVIDE} {dec(mad)} = {dec(key)} MAD{'s' if key != 1 else ''}."
    return numeric(stem, key, rat, 2, 0.7, tolerance=0.01)


@template("7.SP.B.3", 4)
def sp3_which_pair(rng: random.Random) -> Draft:
    pairs = []
    for _ in range(3):
        mad = rng.choice((2, 3, 4, 5, 6))
        diff = rng.choice((2, 3, 4, 6, 8, 9, 10, 12, 15))
        pairs.append((diff, mad))
    ratios = [F(d, m) for d, m in pairs]
    if len(set(ratios)) < 3:
        raise Reroll
    best = max(range(3), key=lambda j: ratios[j])
    biggest_diff = max(range(3), key=lambda j: pairs[j][0])
    if biggest_diff == best:
        raise Reroll  # make the raw difference a tempting wrong answer
    labels = ("Pair 1", "Pair 2", "Pair 3")
    stem = (
        "Three pairs of distributions have similar spreads within each pair. "
        + "; ".join(f"{labels[j]}: means differ by {pairs[j][0]}, MAD {pairs[j][1]}" for j in range(3))
        + ". In which pair are the two distributions most clearly separated?"
    )
    key = labels[best]
    ds = [labels[j] for j in range(3) if j != best] + ["All three are equally separated."]
    rat = (
        "Compare the difference of means in MADs: "
        + ", ".join(f"{labels[j]}: {pairs[j][0]} {DIVIDE} {pairs[j][1]} = {frac(ratios[j], True)}" for j in range(3))
        + f". {labels[best]} is separated by the most MADs; the largest raw difference is not enough when the spread is also large."
    )
    return single(rng, stem, key, ds, rat, 3, 1.0)


@template("7.SP.B.3", 2)
def sp3_overlap_rubric(rng: random.Random) -> Draft:
    m1 = rng.randint(58, 62)
    gap = rng.choice((6, 8, 9, 10))
    mad = rng.choice((2, 3))
    stem = (
        f"The heights of players on a soccer team have a mean of {m1} inches and a MAD of {mad} inches. The heights of players on a basketball team "
        f"have a mean of {m1 + gap} inches and a MAD of {mad} inches. Describe how much the two distributions overlap. Express the difference "
        "of the means as a multiple of the MAD and explain what it tells you."
    )
    ex = (
        f"Difference = {gap} in = {frac(F(gap, mad), True)} MADs. With the centers about {round(gap / mad)} MADs apart and equal spreads, "
        "the distributions overlap only a little: most basketball players are taller than most soccer players, though a few heights may overlap."
    )
    levels = (
        "No correct comparison.",
        "Computes the difference of the means but does not relate it to the MAD, or relates it with a computation error.",
        f"Finds the difference ({gap} in) as {frac(F(gap, mad), True)} MADs and concludes that the distributions overlap only a little.",
        "Meets the standard and explains why measuring the difference in MADs matters (the same difference would mean more overlap if the spread were larger).",
    )
    return rubric(stem, ex, levels, 3, 1.0)


# --------------------------------------------------------------------------- 7.SP.A.1

# (question of interest, biased group that a lazy survey would ask, why that group is biased)
SURVEYS: tuple[tuple[str, str, str], ...] = (
    (
        "how many hours a week students spend playing sports",
        "members of the basketball team",
        "team members play more sports than most students",
    ),
    (
        "how much time students spend on homework each night",
        "students in the honors math class",
        "honors students may get more homework than other students",
    ),
    (
        "how students usually get to school",
        "students waiting at the bus stop",
        "everyone at the bus stop rides the bus",
    ),
    (
        "which lunch students like best",
        "students in the pizza line on pizza day",
        "students in the pizza line already chose pizza",
    ),
    (
        "how many books students read each month",
        "students in the library after school",
        "library visitors are likely to read more than other students",
    ),
    (
        "whether students want a longer recess",
        "students on the playground during recess",
        "students already on the playground may like recess more",
    ),
    (
        "whether the school should start a robotics club",
        "students at the science fair",
        "science fair students are more interested in science and engineering",
    ),
)


@template("7.SP.A.1", 8)
def sp1_representative(rng: random.Random) -> Draft:
    question, group, _ = pick(rng, SURVEYS)
    n = rng.choice((40, 50, 60, 75, 80, 100))
    N = rng.choice((600, 750, 800, 900, 1100, 1200))
    stem = f"The student council at a school of {N} students wants to know {question}. They plan to survey {n} students. Which plan is most likely to give a representative sample?"
    key = f"Choose {n} students at random from the list of all {N} students."
    ds = [
        f"Survey {n} {group}.",
        f"Post the survey online and use the first {n} students who answer.",
        f"Survey the {n} students in the two seventh-grade homerooms closest to the office.",
        f"Survey {n} students who are friends of council members.",
    ]
    rat = (
        f"A random sample from the whole list gives every student the same chance to be chosen, so it tends to represent all {N} students. "
        f"Surveying {group}, volunteers or friends leaves out groups of students and can bias the results."
    )
    return single(rng, stem, key, ds, rat, 1, -0.6)


@template("7.SP.A.1", 6)
def sp1_biased_ms(rng: random.Random) -> Draft:
    question, group, _ = pick(rng, SURVEYS)
    n = rng.choice((30, 40, 50, 60))
    biased = [
        f"Survey {n} {group}.",
        f"Ask {n} students who volunteer by replying to an email.",
        "Survey every student in one seventh-grade class.",
        f"Survey {n} students chosen by the council president.",
    ]
    fair = [
        f"Pick {n} student ID numbers with a random number generator and survey those students.",
        f"Put every student's name in a box, mix well, and draw {n} names.",
        "Survey every 10th student on an alphabetical list of all students, starting from a randomly chosen name.",
    ]
    k = rng.randint(2, 3)
    stem = f"A reporter for the school paper wants to learn {question} at her school. Which sampling plans are likely to be biased? Select all that apply."
    rat = "A plan is biased when some groups of students are more likely to be chosen than others (a club, volunteers, one class, people someone picks). Random selection from the whole population, or a systematic pick with a random start, avoids that."
    return multi(rng, stem, rng.sample(biased, k), rng.sample(fair, min(3, 5 - k)), rat, 2, -0.1)


@template("7.SP.A.1", 5)
def sp1_why_biased(rng: random.Random) -> Draft:
    question, group, why = pick(rng, SURVEYS)
    n = rng.choice((25, 30, 40, 50))
    name = pick(rng, NAMES)
    stem = f"To find out {question}, {name} surveyed {n} {group}. Why might the results not represent all students at the school?"
    key = f"The sample is not random: {why}."
    ds = [
        f"{n} students is always too few to learn anything about a school.",
        "Surveys can never tell us anything about a whole population.",
        f"The sample is biased because {name} asked more than 20 students.",
        "The results would be the same for any group of students.",
    ]
    rat = f"The group was chosen for convenience, not at random, and {why}, so its answers are likely to differ from those of the whole school. A random sample of the same size would be fine."
    return single(rng, stem, key, ds, rat, 2, 0.0)


@template("7.SP.A.1", 2)
def sp1_plan_rubric(rng: random.Random) -> Draft:
    question, group, why = pick(rng, SURVEYS)
    N = rng.choice((600, 800, 1000))
    stem = (
        f"Your school has {N} students. Design a survey to estimate {question}. Describe how you would choose the sample, how many students you would ask, "
        f"and explain why your plan is better than surveying {group}."
    )
    ex = (
        f"Number the {N} students on the school roster and use a random number generator to choose about 50 to 100 of them; survey those students. "
        f"Every student has the same chance to be chosen, so the sample should represent the school; surveying {group} is biased because {why}."
    )
    levels = (
        "No sampling plan, or a plan that uses a convenience group with no justification.",
        "Describes a plan that is partly random (for example random within one class) or gives no reason why it is better than the biased group.",
        f"Describes a random sample from the whole population of {N} students with a reasonable size and explains why it avoids bias.",
        "Meets the standard and also explains how the estimate might vary from sample to sample and how a larger random sample reduces that variation.",
    )
    return rubric(stem, ex, levels, 3, 0.8)
