"""Measured figures of the psychometrician's toolkit (fit, DIF, classical, linking).

Run ``python -m benchmarks.psychometrics [--quick]``: prints one JSON object
with every statistic next to its known answer (mirt's published values,
simulation truth) and a few timings.  ``docs/psychometrics.md`` quotes a
run of this script on the project machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from engine.analysis.classical import distractor_analysis
from engine.analysis.dif import irt_lr_dif, mantel_haenszel
from engine.analysis.fit import infit_outfit, m2, sx2
from engine.analysis.linking import LINKING_METHODS, calibrate_new_items, link
from engine.irt.calibration import calibrate
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix
from engine.irt.simulation import simulate_bank, simulate_responses
from itembank.io import read_responses
from reporting.analysis_files import read_choices, read_key

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
MIRT_SX2 = [4.749, 14.453, 1.270, 5.238, 0.941]
MIRT_A = [0.988, 1.081, 1.706, 0.765, 0.736]
MIRT_B = [-1.879, -0.747, -1.058, -0.635, -2.520]


def lsat7() -> dict:
    resp = read_responses(DATA / "lsat7.csv")
    published = ItemParameters.from_arrays(resp.item_ids, "2pl", a=MIRT_A, b=MIRT_B)
    ours = calibrate(resp, "2pl", se=False).params
    out = {}
    for name, params in (("published_params", published), ("own_calibration", ours)):
        s = sx2(resp, params)
        f = m2(resp, params)
        out[name] = {
            "sx2": np.round(s.sx2, 3).tolist(),
            "sx2_max_abs_diff_vs_mirt": float(np.max(np.abs(s.sx2 - MIRT_SX2))),
            "df": s.df.tolist(),
            "m2": round(f.m2, 3),
            "m2_df": f.df,
            "rmsea": round(f.rmsea, 4),
        }
    out["mirt"] = {"sx2": MIRT_SX2, "df": [2] * 5, "m2": 11.938, "m2_df": 5, "rmsea": 0.037}
    return out


def sat12() -> dict:
    _, items, choices = read_choices(DATA / "sat12_choices.csv")
    key = read_key(DATA / "sat12_key.csv")
    da = distractor_analysis(choices, [key[i] for i in items], items)
    j = list(items).index("Item_32")
    return {
        "flagged": [str(i) for i in da.item_ids[da.miskey]],
        "item32_key": int(da.key[j]),
        "item32_suspect_option": int(da.suspect_option[j]),
        "item32_point_biserial_by_option": dict(
            zip(map(str, da.options.tolist()), np.round(da.point_biserial[j], 3).tolist())
        ),
        "item32_top_group_share_by_option": dict(
            zip(map(str, da.options.tolist()), np.round(da.group_proportion[j, :, -1], 3).tolist())
        ),
    }


def mh_simulation(reps: int, rng) -> dict:
    j = 20
    b = np.linspace(-1.5, 1.5, j)
    pvals, flagged, deltas = [], [], []
    for _ in range(reps):
        theta = np.concatenate([rng.normal(0, 1, 600), rng.normal(-0.5, 1, 600)])
        bb = np.tile(b, (1200, 1))
        bb[600:, 4] += 0.9
        x = (rng.random(bb.shape) < 1 / (1 + np.exp(-(theta[:, None] - bb)))).astype(float)
        res = mantel_haenszel(x, np.repeat(["R", "F"], 600), "R", "F")
        pvals.append(np.delete(res.p, 4))
        flagged.append(res.ets_class[4] in ("B", "C"))
        deltas.append(res.delta[4])
    pvals = np.concatenate(pvals)
    return {
        "design": f"{reps} replications, Rasch, 20 items, 600 + 600 students, focal impact -0.5, item 5 b shifted +0.9",
        "clean_items_rejected_at_0.05": round(float(np.mean(pvals < 0.05)), 4),
        "n_clean_tests": int(pvals.size),
        "planted_item_flagged_B_or_C": round(float(np.mean(flagged)), 3),
        "planted_item_mean_delta": round(float(np.mean(deltas)), 3),
        "planted_item_expected_delta": round(-2.35 * 0.9, 3),
    }


def lr_simulation(reps: int, rng) -> dict:
    j, n = 12, 1000
    clean_p, planted_p, shift = [], [], []
    for _ in range(reps):
        a = rng.uniform(0.8, 1.8, j)
        b = rng.normal(size=j)
        theta = np.concatenate([rng.normal(0, 1, n), rng.normal(-0.5, 1, n)])
        bb = np.tile(b, (2 * n, 1))
        bb[n:, 0] += 0.6
        x = (rng.random(bb.shape) < 1 / (1 + np.exp(-a * (theta[:, None] - bb)))).astype(float)
        params = ItemParameters.from_arrays([f"I{i}" for i in range(j)], "2pl", a=a, b=b)
        resp = ResponseMatrix.from_dense(x, item_ids=params.item_ids)
        res = irt_lr_dif(resp, params, np.repeat(["R", "F"], n), "R", "F", ["I0", "I1", "I2"])
        planted_p.append(res.p[0])
        clean_p.extend(res.p[1:].tolist())
        shift.append(res.focal.b[0] - res.reference.b[0])
    return {
        "design": f"{reps} replications, 2PL, 12 items, 1000 + 1000 students, impact -0.5, item I0 b +0.6 for the focal group, anchors = 9 other items",
        "planted_detected_at_0.05": round(float(np.mean(np.array(planted_p) < 0.05)), 3),
        "planted_p_median": float(np.median(planted_p)),
        "planted_b_shift_mean": round(float(np.mean(shift)), 3),
        "clean_items_rejected_at_0.05": round(float(np.mean(np.array(clean_p) < 0.05)), 3),
        "n_clean_tests": len(clean_p),
    }


def linking_simulation(reps: int, rng) -> dict:
    est = {m: [] for m in LINKING_METHODS}
    for _ in range(reps):
        bank = simulate_bank(50, "2pl", rng)
        r1 = simulate_responses(bank.subset(np.arange(30)), rng.normal(0, 1, 2000), rng)
        r2 = simulate_responses(bank.subset(np.arange(20, 50)), rng.normal(0.5, 1.2, 2000), rng)
        c1 = calibrate(r1, "2pl", se=False).params
        c2 = calibrate(r2, "2pl", se=False).params
        for m in LINKING_METHODS:
            k = link(c2, c1, m)
            est[m].append((k.A, k.B))
    out = {
        "design": f"{reps} replications, two 2PL calibrations of 30 items (10 common), 2000 students each; truth A = 1.2, B = 0.5"
    }
    for m, v in est.items():
        v = np.array(v)
        out[m] = {
            "bias_A": round(float(v[:, 0].mean() - 1.2), 4),
            "rmse_A": round(float(np.sqrt(np.mean((v[:, 0] - 1.2) ** 2))), 4),
            "bias_B": round(float(v[:, 1].mean() - 0.5), 4),
            "rmse_B": round(float(np.sqrt(np.mean((v[:, 1] - 0.5) ** 2))), 4),
        }
    return out


def fixed_parameter_simulation(reps: int, rng) -> dict:
    da, db, dfree, mean, sd = [], [], [], [], []
    for _ in range(reps):
        bank = simulate_bank(40, "2pl", rng)
        new = simulate_bank(10, "2pl", rng, prefix="N")
        both = ItemParameters.from_arrays(
            np.concatenate([bank.item_ids[:30], new.item_ids]),
            "2pl",
            a=np.concatenate([bank.a[:30], new.a]),
            b=np.concatenate([bank.b[:30], new.b]),
        )
        resp = simulate_responses(both, rng.normal(0.5, 1.2, 2000), rng)
        fit = calibrate_new_items(resp, bank, "2pl", se=False)
        est = fit.params.subset(np.arange(30, 40))
        da.append(est.a - new.a)
        db.append(est.b - new.b)
        free = calibrate(resp, "2pl", se=False).params.subset(np.arange(30, 40))
        dfree.append(free.b - new.b)
        mean.append(fit.latent_mean)
        sd.append(fit.latent_sd)
    da, db, dfree = (np.concatenate(v) for v in (da, db, dfree))
    return {
        "design": f"{reps} replications, 30 operational 2PL items held at bank values + 10 new items, 2000 students from N(0.5, 1.2^2)",
        "new_items_bias_b": round(float(db.mean()), 4),
        "new_items_rmse_b": round(float(np.sqrt(np.mean(db**2))), 4),
        "new_items_bias_a": round(float(da.mean()), 4),
        "new_items_rmse_a": round(float(np.sqrt(np.mean(da**2))), 4),
        "latent_mean": round(float(np.mean(mean)), 4),
        "latent_sd": round(float(np.mean(sd)), 4),
        "without_anchors_bias_b": round(float(dfree.mean()), 4),
    }


def pretest_simulation(reps: int, rng) -> dict:
    """Pretest items seeded 2 per check into 20-item checks drawn from a 60-item bank."""
    from engine.adaptive.pretest import plan_pretest
    from engine.analysis.fit import response_probabilities

    db, da, spread = [], [], []
    n, per_check, n_pre = 2500, 20, 2
    for _ in range(reps):
        bank = simulate_bank(60, "2pl", rng)
        new = simulate_bank(10, "2pl", rng, prefix="P")
        theta = rng.normal(0.3, 1.1, n)
        answered = np.zeros(10)
        student, item = [], []
        for i in range(n):
            plan = plan_pretest(new.item_ids, answered, per_check + n_pre, n_pre, rng)
            pos = [int(p[1:]) - 1 for p in plan.item_ids]
            answered[pos] += 1
            student += [i] * (per_check + n_pre)
            item += rng.choice(60, per_check, replace=False).tolist() + [60 + k for k in pos]
        student, item = np.array(student), np.array(item)
        both = ItemParameters.from_arrays(
            np.concatenate([bank.item_ids, new.item_ids]),
            "2pl",
            a=np.concatenate([bank.a, new.a]),
            b=np.concatenate([bank.b, new.b]),
        )
        score = (rng.random(len(item)) < response_probabilities(both, item, theta[student])[:, 1]).astype(int)
        resp = ResponseMatrix.from_long(
            student, item, score, n_students=n, n_items=70, item_ids=both.item_ids, n_categories=2
        )
        est = calibrate_new_items(resp, bank, "2pl", se=False).params.subset(np.arange(60, 70))
        db.append(est.b - new.b)
        da.append(est.a - new.a)
        spread.append(answered.max() - answered.min())
    db, da = np.concatenate(db), np.concatenate(da)
    return {
        "design": f"{reps} replications, 2500 checks of 20 operational items (random from a 60-item 2PL bank) "
        "+ 2 seeded pretest items from a pool of 10 (500 answers each), students N(0.3, 1.1^2)",
        "new_items_bias_b": round(float(db.mean()), 4),
        "new_items_rmse_b": round(float(np.sqrt(np.mean(db**2))), 4),
        "new_items_bias_a": round(float(da.mean()), 4),
        "new_items_rmse_a": round(float(np.sqrt(np.mean(da**2))), 4),
        "max_answer_count_spread": int(max(spread)),
    }


def residual_estimators() -> dict:
    """Mean infit/outfit of good items at true abilities and at MLE, WLE and EAP estimates."""
    from engine.irt.scoring import score

    rng = np.random.default_rng(7)
    out = {}
    for j in (5, 20):
        bank = simulate_bank(j, "2pl", rng)
        theta = rng.normal(size=3000)
        resp = simulate_responses(bank, theta, rng)
        row = {}
        for method in ("true", "eap", "wle", "mle"):
            t = theta if method == "true" else score(resp, bank, method).theta
            f = infit_outfit(resp, bank, t)
            row[method] = {"infit": round(float(np.mean(f.infit)), 3), "outfit": round(float(np.mean(f.outfit)), 3)}
        out[f"{j}_items"] = row
    out["design"] = "good 2PL items (true parameters), 3000 students, complete data"
    return out


def q1_level() -> dict:
    """Rejection rates of good items: Q1 on EAP scores against plausible-value Q1."""
    from engine.analysis.fit import pv_q1, x2_q1
    from engine.irt.scoring import score

    rng = np.random.default_rng(43)
    bank = simulate_bank(30, "2pl", rng)
    resp = simulate_responses(bank, rng.normal(size=4000), rng, items_per_student=15)
    est = score(resp, bank, "eap")
    eap = x2_q1(resp, bank, est.theta)
    pv = pv_q1(resp, bank, est.theta, est.se, rng, n_draws=30)
    return {
        "design": "30 good 2PL items (true parameters), 4000 students answering 15 each (sparse)",
        "eap_q1_rejected_at_0.05": round(float(np.mean(eap.p < 0.05)), 3),
        "pv_q1_rejected_at_0.05": round(float(np.mean(pv.p < 0.05)), 3),
        "pv_q1_median_p": round(float(np.median(pv.p)), 3),
    }


def timings(rng) -> dict:
    out = {}
    bank = simulate_bank(40, "2pl", rng)
    resp = simulate_responses(bank, rng.normal(size=5000), rng)
    t = time.perf_counter()
    sx2(resp, bank)
    out["sx2_40_items_5000_students_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    m2(resp, bank)
    out["m2_40_items_5000_students_s"] = round(time.perf_counter() - t, 3)
    big = simulate_bank(3000, "2pl", rng)
    theta = rng.normal(size=100_000)
    sparse = simulate_responses(big, theta, rng, items_per_student=30)
    t = time.perf_counter()
    infit_outfit(sparse, big, theta)
    out["infit_outfit_3e6_sparse_responses_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    mantel_haenszel(
        sparse,
        np.where(rng.random(100_000) < 0.5, "R", "F"),
        "R",
        "F",
        matching=np.digitize(theta, np.quantile(theta, np.linspace(0, 1, 11)[1:-1])),
    )
    out["mantel_haenszel_3e6_sparse_responses_s"] = round(time.perf_counter() - t, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer replications")
    args = parser.parse_args()
    rng = np.random.default_rng(20261125)
    start = time.perf_counter()
    result = {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "processor": platform.processor(),
        },
        "lsat7": lsat7(),
        "sat12_distractors": sat12(),
        "mantel_haenszel": mh_simulation(20 if args.quick else 100, rng),
        "irt_lr_dif": lr_simulation(3 if args.quick else 40, rng),
        "linking": linking_simulation(5 if args.quick else 20, rng),
        "fixed_parameter_calibration": fixed_parameter_simulation(3 if args.quick else 10, rng),
        "pretest_seeding": pretest_simulation(2 if args.quick else 5, rng),
        "residual_estimators": residual_estimators(),
        "q1_level": q1_level(),
        "timings": timings(rng),
    }
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
