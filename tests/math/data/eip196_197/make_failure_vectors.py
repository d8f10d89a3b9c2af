#!/usr/bin/env python3
"""Regenerates the EIP-196/197 failure-case files in this directory.

    python3 make_failure_vectors.py --ethtests /path/to/ethereum/tests [--out DIR]

Needs py_ecc (tested with py_ecc 8.0.0) and PyYAML. The ethereum/tests checkout is
only read (git is not needed; plain files are used).

Writes
  ethtests_failures.json       failing inputs extracted from ethereum/tests fillers
  ethtests_pairing_inputs.json passing pairing inputs (expected 1 or 0) from ethereum/tests
  constructed_failures.json    failing inputs constructed here (see README.md)

Every failing input is re-checked by `check()` below, an independent implementation of
the EIP-196/197 validity rules; the script aborts if a case does not fail for the
stated reason.
"""
import argparse
import json
import os
import re
import sys

import yaml
from py_ecc.bn128 import bn128_curve as C
from py_ecc.fields import bn128_FQ as FQ, bn128_FQ2 as FQ2

P = C.field_modulus
R = C.curve_order

E_CURVE = "point is not on curve"
E_SUBGROUP = "point is not in correct subgroup"
E_MODULUS = "coordinate exceeds modulus"  # coordinate >= p (including == p)
E_LENGTH = "bad elliptic curve pairing size"


# ---------------------------------------------------------------- validity rules
def _words(b):
    return [int.from_bytes(b[i:i + 32], "big") for i in range(0, len(b), 32)]


def _g1(x, y):
    if x >= P or y >= P:
        return E_MODULUS
    if x == 0 and y == 0:
        return None
    return None if C.is_on_curve((FQ(x), FQ(y)), C.b) else E_CURVE


def _g2(xi, xr, yi, yr):  # EIP-197 order: imaginary part first
    if max(xi, xr, yi, yr) >= P:
        return E_MODULUS
    if xi == xr == yi == yr == 0:
        return None
    q = (FQ2([xr, xi]), FQ2([yr, yi]))
    if not C.is_on_curve(q, C.b2):
        return E_CURVE
    return None if C.multiply(q, R) is None else E_SUBGROUP


def check(precompile, inp):
    """None if `inp` is a valid input for `precompile`, else the first reason it fails."""
    if precompile == "bn256Add":
        w = _words((inp + bytes(128))[:128])
        return _g1(w[0], w[1]) or _g1(w[2], w[3])
    if precompile == "bn256ScalarMul":
        w = _words((inp + bytes(96))[:96])
        return _g1(w[0], w[1])
    if precompile == "bn256Pairing":
        if len(inp) % 192:
            return E_LENGTH
        for k in range(0, len(inp), 192):
            w = _words(inp[k:k + 192])
            e = _g1(w[0], w[1]) or _g2(*w[2:6])
            if e:
                return e
        return None
    raise ValueError(precompile)


# ---------------------------------------------------------------- encoding helpers
def enc(*ints):
    return b"".join(int(v).to_bytes(32, "big") for v in ints)


def g1_words(pt):
    return (0, 0) if pt is None else (int(pt[0].n), int(pt[1].n))


def g2_words(pt):  # -> (x_imag, x_real, y_imag, y_real)
    if pt is None:
        return (0, 0, 0, 0)
    x, y = pt
    return (x.coeffs[1].n if hasattr(x.coeffs[1], "n") else int(x.coeffs[1]),
            x.coeffs[0].n if hasattr(x.coeffs[0], "n") else int(x.coeffs[0]),
            y.coeffs[1].n if hasattr(y.coeffs[1], "n") else int(y.coeffs[1]),
            y.coeffs[0].n if hasattr(y.coeffs[0], "n") else int(y.coeffs[0]))


def fq2_sqrt(a):
    """Square root in Fp2 = Fp[u]/(u^2+1), p = 3 mod 4; None if a is a non-square."""
    a0, a1 = int(a.coeffs[0]), int(a.coeffs[1])
    norm = (a0 * a0 + a1 * a1) % P
    s = pow(norm, (P + 1) // 4, P)
    if s * s % P != norm:
        return None
    inv2 = pow(2, P - 2, P)
    for t in ((a0 + s) * inv2 % P, (a0 - s) * inv2 % P):
        x0 = pow(t, (P + 1) // 4, P)
        if x0 * x0 % P != t or x0 == 0:
            continue
        x1 = a1 * pow(2 * x0, P - 2, P) % P
        r = FQ2([x0, x1])
        if r * r == a:
            return r
    return None


def twist_point_not_in_subgroup():
    """First x = k (k = 1, 2, ...) in Fp2 with x^3 + 3/(9+u) a square; returns (x, y)."""
    for k in range(1, 1000):
        x = FQ2([k, 0])
        y = fq2_sqrt(x ** 3 + C.b2)
        if y is None:
            continue
        q = (x, y)
        assert C.is_on_curve(q, C.b2)
        if C.multiply(q, R) is not None:
            return q
    raise RuntimeError("no point found")


# ---------------------------------------------------------------- ethereum/tests
def ethtests(root):
    fails, passes = [], []
    seen = set()
    for sub in ("stZeroKnowledge", "stZeroKnowledge2"):
        d = os.path.join(root, "src", "GeneralStateTestsFiller", sub)
        for fn in sorted(os.listdir(d)):
            m = re.match(r"(ecadd|ecmul|ecpairing)_.*Filler\.json$", fn)
            if not m:
                continue
            pc = {"ecadd": "bn256Add", "ecmul": "bn256ScalarMul", "ecpairing": "bn256Pairing"}[m.group(1)]
            with open(os.path.join(d, fn)) as f:
                name, t = next(iter(json.load(f).items()))
            for raw in t["transaction"]["data"]:
                b = bytes.fromhex(raw.replace(":raw", "").strip()[2:])
                assert b[:4].hex() == "30c8d1da", fn  # calldata = ABI-encoded `bytes` argument
                off = int.from_bytes(b[4:36], "big")
                ln = int.from_bytes(b[4 + off:36 + off], "big")
                inp = b[36 + off:36 + off + ln]
                why = check(pc, inp)
                if why is None or (pc, inp) in seen:
                    continue
                seen.add((pc, inp))
                fails.append({"Input": inp.hex(), "ExpectedError": why, "Name": name, "Precompile": pc,
                              "Source": "ethereum/tests:src/GeneralStateTestsFiller/%s/%s" % (sub, fn)})
    fn = "src/GeneralStateTestsFiller/stZeroKnowledge/ecpairing_inputsFiller.yml"
    with open(os.path.join(root, fn)) as f:
        t = yaml.safe_load(f)["ecpairing_inputs"]
    want = {"invalid_g1_point": (E_CURVE, E_MODULUS), "invalid_g2_point": (E_CURVE, E_MODULUS),
            "invalid_g2_subgroup": (E_SUBGROUP,)}
    for i, s in enumerate(t["transaction"]["data"]):
        _, label, _, hexdata = s.split()
        inp = bytes.fromhex(hexdata[2:])
        why = check("bn256Pairing", inp)
        name = "ecpairing_inputs_%d_%s" % (i, label)
        if label in ("positive", "negative"):
            assert why is None, name
            passes.append({"Input": inp.hex(), "Expected": "%064x" % (1 if label == "positive" else 0),
                           "Name": name, "Source": "ethereum/tests:" + fn})
        else:
            assert why in want[label], (name, why)
            if ("bn256Pairing", inp) in seen:
                continue
            seen.add(("bn256Pairing", inp))
            fails.append({"Input": inp.hex(), "ExpectedError": why, "Name": name, "Precompile": "bn256Pairing",
                          "Source": "ethereum/tests:" + fn})
    return fails, passes


# ---------------------------------------------------------------- constructed cases
def constructed():
    G1, G2 = C.G1, C.G2
    A = C.multiply(G1, 0x1234567)           # some valid G1 point
    ax, ay = g1_words(A)
    gx, gy = g1_words(G1)
    Q = C.multiply(G2, 0x7654321)           # some valid G2 point
    qw = g2_words(Q)
    g2w = g2_words(G2)
    bad_q = twist_point_not_in_subgroup()
    bqw = g2_words(bad_q)
    pair_ok = enc(gx, gy, *g2w)              # e(G1, G2)
    neg_g1 = g1_words(C.neg(G1))

    cases = []

    def add(pc, name, inp, err, reduced_valid=None):
        got = check(pc, inp)
        if got != err:
            sys.exit("constructed case %s: expected %r, checker says %r" % (name, err, got))
        if reduced_valid is not None:   # the same words taken mod p must be a valid input
            w = _words(inp)
            red = enc(*[v % P for v in w]) + inp[len(w) * 32:]
            if check(pc, red) is not None:
                sys.exit("constructed case %s: reduced input is not valid" % name)
        cases.append({"Input": inp.hex(), "ExpectedError": err, "Name": name, "Precompile": pc})

    # --- bn256Add
    add("bn256Add", "add_p1_y_plus_1", enc(ax, ay + 1, gx, gy), E_CURVE)
    add("bn256Add", "add_p2_y_plus_1", enc(gx, gy, ax, ay + 1), E_CURVE)
    add("bn256Add", "add_offcurve_plus_infinity", enc(ax, ay + 1, 0, 0), E_CURVE)
    add("bn256Add", "add_infinity_plus_offcurve", enc(0, 0, ax, ay + 1), E_CURVE)
    add("bn256Add", "add_offcurve_same_twice", enc(ax, ay + 1, ax, ay + 1), E_CURVE)
    add("bn256Add", "add_p1_x_eq_p_y_0", enc(P, 0, gx, gy), E_MODULUS, reduced_valid=True)
    add("bn256Add", "add_p2_x_0_y_eq_p", enc(gx, gy, 0, P), E_MODULUS, reduced_valid=True)
    add("bn256Add", "add_p1_x_plus_p", enc(ax + P, ay, gx, gy), E_MODULUS, reduced_valid=True)
    add("bn256Add", "add_p2_y_plus_p", enc(gx, gy, ax, ay + P), E_MODULUS, reduced_valid=True)
    add("bn256Add", "add_p1_y_all_ones", enc(gx, (1 << 256) - 1, gx, gy), E_MODULUS)
    add("bn256Add", "add_short_input_offcurve_after_padding", enc(ax, ay + 1)[:50], E_CURVE)
    # --- bn256ScalarMul
    for k, kn in ((0, "0"), (1, "1"), (2, "2"), (R, "r"), ((1 << 256) - 1, "max")):
        add("bn256ScalarMul", "mul_y_plus_1_k_" + kn, enc(ax, ay + 1, k), E_CURVE)
    add("bn256ScalarMul", "mul_x_eq_p_y_0_k_1", enc(P, 0, 1), E_MODULUS, reduced_valid=True)
    add("bn256ScalarMul", "mul_x_eq_p_y_0_k_0", enc(P, 0, 0), E_MODULUS, reduced_valid=True)
    add("bn256ScalarMul", "mul_x_plus_p_k_2", enc(ax + P, ay, 2), E_MODULUS, reduced_valid=True)
    add("bn256ScalarMul", "mul_y_plus_p_k_2", enc(ax, ay + P, 2), E_MODULUS, reduced_valid=True)
    add("bn256ScalarMul", "mul_short_input_offcurve", enc(1, 3)[:40], E_CURVE)  # x=1, y padded to 0: (1, 0)
    # --- bn256Pairing: G1 problems
    add("bn256Pairing", "pair_g1_y_plus_1", enc(ax, ay + 1, *g2w), E_CURVE)
    add("bn256Pairing", "pair_g1_y_plus_1_g2_infinity", enc(ax, ay + 1, 0, 0, 0, 0), E_CURVE)
    add("bn256Pairing", "pair_g1_x_eq_p_y_0", enc(P, 0, *g2w), E_MODULUS, reduced_valid=True)
    add("bn256Pairing", "pair_g1_x_eq_p_y_0_g2_infinity", enc(P, 0, 0, 0, 0, 0), E_MODULUS, reduced_valid=True)
    add("bn256Pairing", "pair_g1_y_plus_p", enc(gx, gy + P, *g2w), E_MODULUS, reduced_valid=True)
    add("bn256Pairing", "pair_second_g1_y_plus_1", pair_ok + enc(ax, ay + 1, *g2w), E_CURVE)
    # --- bn256Pairing: G2 coordinates >= p (each of the 4 words), reduced input is valid
    for i, nm in enumerate(("x_imag", "x_real", "y_imag", "y_real")):
        w = list(qw)
        w[i] += P
        add("bn256Pairing", "pair_g2_%s_plus_p" % nm, enc(gx, gy, *w), E_MODULUS, reduced_valid=True)
    for i, nm in enumerate(("x_imag", "x_real", "y_imag", "y_real")):
        w = [0, 0, 0, 0]
        w[i] = P
        add("bn256Pairing", "pair_g2_%s_eq_p_rest_0" % nm, enc(gx, gy, *w), E_MODULUS, reduced_valid=True)
    add("bn256Pairing", "pair_g2_x_imag_eq_p_g1_infinity", enc(0, 0, P, 0, 0, 0), E_MODULUS, reduced_valid=True)
    # --- bn256Pairing: G2 not on the twist
    add("bn256Pairing", "pair_g2_y_real_plus_1", enc(gx, gy, g2w[0], g2w[1], g2w[2], g2w[3] + 1), E_CURVE)
    add("bn256Pairing", "pair_g2_real_imag_swapped", enc(gx, gy, g2w[1], g2w[0], g2w[3], g2w[2]), E_CURVE)
    add("bn256Pairing", "pair_g2_y_real_plus_1_g1_infinity", enc(0, 0, g2w[0], g2w[1], g2w[2], g2w[3] + 1), E_CURVE)
    # --- bn256Pairing: G2 on the twist, not in the order-r subgroup
    add("bn256Pairing", "pair_g2_not_in_subgroup", enc(gx, gy, *bqw), E_SUBGROUP)
    add("bn256Pairing", "pair_g2_not_in_subgroup_g1_infinity", enc(0, 0, *bqw), E_SUBGROUP)
    add("bn256Pairing", "pair_g2_not_in_subgroup_second_pair", pair_ok + enc(*neg_g1, *bqw), E_SUBGROUP)
    # --- bn256Pairing: lengths
    two = pair_ok + enc(*neg_g1, *g2w)       # valid, e(G1,G2)*e(-G1,G2) == 1
    assert check("bn256Pairing", two) is None
    for n in (1, 32, 64, 128, 191):
        add("bn256Pairing", "pair_len_%d" % n, pair_ok[:n], E_LENGTH)
    add("bn256Pairing", "pair_len_193", pair_ok + b"\x00", E_LENGTH)
    add("bn256Pairing", "pair_len_193_zeros", bytes(193), E_LENGTH)
    add("bn256Pairing", "pair_len_383", two[:383], E_LENGTH)
    add("bn256Pairing", "pair_len_385", two + b"\x00", E_LENGTH)
    info = {"g2_not_in_subgroup_x": [int(bad_q[0].coeffs[0]), int(bad_q[0].coeffs[1])],
            "g2_not_in_subgroup_y": [int(bad_q[1].coeffs[0]), int(bad_q[1].coeffs[1])]}
    return cases, info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ethtests", required=True, help="checkout of github.com/ethereum/tests")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()
    fails, passes = ethtests(a.ethtests)
    cons, info = constructed()

    def dump(name, obj):
        with open(os.path.join(a.out, name), "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
        print("wrote %s (%d cases)" % (name, len(obj)))
    dump("ethtests_failures.json", fails)
    dump("ethtests_pairing_inputs.json", passes)
    dump("constructed_failures.json", cons)
    print("non-subgroup G2 point used (x=[c0,c1], y=[c0,c1]):", json.dumps(info))


if __name__ == "__main__":
    main()
