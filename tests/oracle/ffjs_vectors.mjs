// Reference vectors for the BN254 (alt_bn128) arithmetic core, computed with ffjavascript.
//
//   node ffjs_vectors.mjs <seed> <out.json>
//
// Deterministic: every random value comes from SHA-256("<seed>:<counter>").
// All field elements are written as decimal strings in standard (non-Montgomery) form.
// Points are affine; the point at infinity is ["0","0"] (G1) / [["0","0"],["0","0"]] (G2).
//
// Layout findings (read from node_modules/ffjavascript/src/{bn128,engine,wasm_field*}.js and
// node_modules/wasmcurves/src/{bn128/build_bn128,build_f2m,build_f3m}.js, ffjavascript 0.3.1 /
// wasmcurves 0.2.2):
//   * F2  = buildF2m(.., "f1m_neg", ..): non-residue multiply is negation, so u^2 = -1;
//           buffer [c0, c1] = c0 + c1*u.
//   * F6  = buildF3m(.., mulNR6, ..) with mulNR6(x) = (9+u)*x: v^3 = 9+u; the _mul formulas
//           give c0 + c1*v + c2*v^2 for buffer [c0, c1, c2].
//   * F12 = buildF2m(.., mulNR12, .., f6m) with mulNR12(c0,c1,c2) = ((9+u)*c2, c0, c1) = v*x:
//           w^2 = v; buffer [c0, c1] = c0 + c1*w.
//   * toObject() nests the same way, so flattening F12.toObject() gives exactly the order
//     c0.c0.c0, c0.c0.c1, c0.c1.c0, ..., c1.c2.c1 used in the JSON. No conversion is needed.
//     This script re-checks the layout at run time: every fp2/fp12 product is recomputed with
//     an independent BigInt tower implementation of the layout above and compared.
//   * G2 twist: y^2 = x^3 + 3/(9+u) (pG2b in build_bn128.js).
//   * curve.pairing(P, Q) = finalExponentiation(millerLoop(P, Q)), but its final exponentiation
//     (Fuentes-Castaneda et al. hard part, __finalExponentiationLastChunk) returns
//     e(P,Q)^(2z(6z^2+3z+1)) with z = 4965661367192848881, i.e. a fixed power of the standard
//     reduced Tate/ate pairing f^((p^12-1)/r). It is still bilinear and non-degenerate, but it is
//     NOT equal to py_ecc's pairing or to a straightforward f^((p^12-1)/r).
//     "out" is curve.pairing(P, Q) (as specified); "out_exact" is the millerLoop output raised to
//     exactly (p^12-1)/r (wasm export bn128_finalExponentiationOld), which equals py_ecc's
//     pairing(Q, P) mapped into this basis. The script checks out == out_exact^(2z(6z^2+3z+1)).
//   * G1.multiExpAffine takes affine bases (internal Montgomery LE buffers) and scalars as
//     32-byte little-endian standard integers. Its result is re-checked against a naive
//     sum of timesScalar.
//   * ffjavascript 0.3.1 quirks worked around here: affine+affine (and Jacobian+affine) addition
//     O + O returns the invalid Jacobian point (0,0,1), and timesScalar on the affine infinity
//     (0,0) returns a non-zero point. All group operations below therefore take Jacobian inputs.
//     Also curve.pairing(P, O_G2) is NOT one (e(O_G1, Q) is fine), so no pairing case puts Q at
//     infinity; the EIP-197 files in tests/math/data/eip196_197 cover that case.

import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { buildBn128 } from "ffjavascript";

const argv = process.argv.slice(2);
if (argv.length !== 2 || !/^-?\d+$/.test(argv[0])) {
    console.error("usage: node ffjs_vectors.mjs <seed> <out.json>");
    process.exit(2);
}
const SEED = Number.parseInt(argv[0], 10);
const OUT = argv[1];

// ---------------------------------------------------------------- deterministic PRNG
let counter = 0;
function block() {
    return createHash("sha256").update(`${SEED}:${counter++}`).digest();
}
function randBits(n) { // uniform in [0, 2^n), n <= 512
    const b = Buffer.concat([block(), block()]);
    return BigInt("0x" + b.toString("hex")) >> BigInt(512 - n);
}
function randBelow(m) { // 512-bit value reduced mod m (bias < 2^-250)
    return randBits(512) % m;
}

function check(cond, what) {
    if (!cond) throw new Error("self-check failed: " + what);
}

const curve = await buildBn128();
try {
    const { Fr, F1, F2, F12, G1, G2 } = curve;
    const p = curve.q;
    const r = curve.r;
    const s = (x) => x.toString();
    const mod = (a, m) => ((a % m) + m) % m;

    // ---------------------------------------------------------------- Fp / Fr
    function modInv(a, m) {
        let [t, nt, rr, nr] = [0n, 1n, m, mod(a, m)];
        while (nr !== 0n) {
            const q = rr / nr;
            [t, nt] = [nt, t - q * nt];
            [rr, nr] = [nr, rr - q * nr];
        }
        return mod(t, m);
    }
    function primeFieldCases(F, m) {
        const pairs = [];
        const edge = [0n, 1n, m - 1n];
        for (const a of edge) for (const b of edge) pairs.push([a, b]);
        for (let i = 0; i < 64; i++) pairs.push([randBelow(m), randBelow(m)]);
        return pairs.map(([a, b]) => {
            const A = F.e(a), B = F.e(b);
            const c = {
                a: s(a), b: s(b),
                add: F.toObject(F.add(A, B)),
                sub: F.toObject(F.sub(A, B)),
                mul: F.toObject(F.mul(A, B)),
                sqr: F.toObject(F.square(A)),
                neg: F.toObject(F.neg(A)),
                inv: a === 0n ? null : F.toObject(F.inv(A)),
            };
            check(c.add === mod(a + b, m) && c.sub === mod(a - b, m) && c.mul === mod(a * b, m) &&
                  c.sqr === mod(a * a, m) && c.neg === mod(-a, m) &&
                  (a === 0n || c.inv === modInv(a, m)), "prime field op");
            for (const k of ["add", "sub", "mul", "sqr", "neg", "inv"]) if (c[k] !== null) c[k] = s(c[k]);
            return c;
        });
    }

    // ---------------------------------------------------------------- independent BigInt tower
    // Fp2: [c0,c1] = c0 + c1 u, u^2 = -1.  Fp6: [a0,a1,a2] over Fp2, v^3 = 9+u.  Fp12: [b0,b1], w^2 = v.
    const f2 = {
        add: (a, b) => [mod(a[0] + b[0], p), mod(a[1] + b[1], p)],
        mul: (a, b) => [mod(a[0] * b[0] - a[1] * b[1], p), mod(a[0] * b[1] + a[1] * b[0], p)],
        zero: () => [0n, 0n],
    };
    const XI = [9n, 1n];
    const f6 = {
        add: (a, b) => a.map((x, i) => f2.add(x, b[i])),
        mul(a, b) {
            const t = [f2.zero(), f2.zero(), f2.zero(), f2.zero(), f2.zero()];
            for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) t[i + j] = f2.add(t[i + j], f2.mul(a[i], b[j]));
            return [f2.add(t[0], f2.mul(XI, t[3])), f2.add(t[1], f2.mul(XI, t[4])), t[2]];
        },
        mulByV: (a) => [f2.mul(XI, a[2]), a[0], a[1]],
    };
    const f12 = {
        mul(a, b) {
            const t0 = f6.mul(a[0], b[0]), t1 = f6.mul(a[1], b[1]);
            return [f6.add(t0, f6.mulByV(t1)), f6.add(f6.mul(a[0], b[1]), f6.mul(a[1], b[0]))];
        },
    };
    const flat12 = (x) => x.flat(2);
    const nest12 = (f) => [0, 1].map((j) => [0, 1, 2].map((k) => [f[6 * j + 2 * k], f[6 * j + 2 * k + 1]]));
    const eqList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

    // ---------------------------------------------------------------- Fp2 / Fp12
    function fp2Cases(n) {
        const out = [];
        for (let i = 0; i < n; i++) {
            const a = [randBelow(p), randBelow(p)], b = [randBelow(p), randBelow(p)];
            if (i === 0) { a[1] = 0n; }          // purely real a
            if (i === 1) { b[0] = 0n; b[1] = 1n; } // b = u
            const A = F2.fromObject(a), B = F2.fromObject(b);
            const mul = F2.toObject(F2.mul(A, B)), sqr = F2.toObject(F2.square(A)), inv = F2.toObject(F2.inv(A));
            check(eqList(mul, f2.mul(a, b)) && eqList(sqr, f2.mul(a, a)) && eqList(f2.mul(a, inv), [1n, 0n]), "fp2 layout");
            out.push({ a: a.map(s), b: b.map(s), mul: mul.map(s), sqr: sqr.map(s), inv: inv.map(s) });
        }
        return out;
    }
    function fp12Cases(n) {
        const out = [];
        const one = [1n, ...Array(11).fill(0n)];
        for (let i = 0; i < n; i++) {
            const a = Array.from({ length: 12 }, () => randBelow(p));
            const b = Array.from({ length: 12 }, () => randBelow(p));
            if (i === 0) { b.fill(0n); b[6] = 1n; }  // b = w
            if (i === 1) { b.fill(0n); b[2] = 1n; }  // b = v
            if (i === 2) { b.fill(0n); b[1] = 1n; }  // b = u
            const A = F12.fromObject(nest12(a)), B = F12.fromObject(nest12(b));
            const mul = flat12(F12.toObject(F12.mul(A, B)));
            const sqr = flat12(F12.toObject(F12.square(A)));
            const inv = flat12(F12.toObject(F12.inv(A)));
            check(eqList(mul, flat12(f12.mul(nest12(a), nest12(b)))), "fp12 layout (mul)");
            check(eqList(sqr, flat12(f12.mul(nest12(a), nest12(a)))), "fp12 layout (sqr)");
            check(eqList(flat12(f12.mul(nest12(a), nest12(inv))), one), "fp12 inverse");
            out.push({ a: a.map(s), b: b.map(s), mul: mul.map(s), sqr: sqr.map(s), inv: inv.map(s) });
        }
        return out;
    }

    // ---------------------------------------------------------------- curve helpers
    function g1Out(P) {
        if (G1.isZero(P)) return ["0", "0"];
        const o = G1.toObject(G1.toAffine(P));
        return [s(o[0]), s(o[1])];
    }
    function g2Out(P) {
        if (G2.isZero(P)) return [["0", "0"], ["0", "0"]];
        const o = G2.toObject(G2.toAffine(P));
        return [o[0].map(s), o[1].map(s)];
    }
    const g1Rand = () => G1.toAffine(G1.timesScalar(G1.g, randBelow(r - 1n) + 1n));
    const g2Rand = () => G2.toAffine(G2.timesScalar(G2.g, randBelow(r - 1n) + 1n));

    function addCases(G, rand, out) {
        const Z = G.zeroAffine;
        const list = [];
        const P0 = rand(), P1 = rand();
        list.push([P0, P0], [G.toAffine(G.g), G.toAffine(G.g)]);                 // doubling
        list.push([P1, G.toAffine(G.neg(P1))], [G.toAffine(G.g), G.toAffine(G.neg(G.g))]); // P + (-P)
        list.push([Z, P0], [P1, Z], [Z, Z]);                                       // infinity
        while (list.length < 16) list.push([rand(), rand()]);
        return list.map(([P, Q]) => {
            // Both operands as Jacobian: ffjavascript 0.3.1's _addAffine / _addMixed return the
            // invalid Jacobian point (0,0,1) for O + O (affine infinity is (0,0)).
            const R = G.add(G.toJacobian(P), G.toJacobian(Q));
            check(G.isValid(R), "add result on curve");
            check(G.eq(G.sub(R, G.toJacobian(Q)), G.toJacobian(P)), "add: (P+Q)-Q == P");
            return { p: out(P), q: out(Q), out: out(R) };
        });
    }
    function mulCases(G, rand, out) {
        const ks = [0n, 1n, 2n, r - 1n, r, r + 1n];
        for (let i = 0; i < 6; i++) ks.push(randBits(16));
        ks.push((1n << 256n) - 1n);                          // largest EIP-196 scalar
        while (ks.length < 24) ks.push(randBits(254));       // may exceed r (r < 2^254)
        return ks.map((k, i) => {
            const P = i === 23 ? G.zeroAffine : (i % 4 === 0 ? G.toAffine(G.g) : rand());
            // Jacobian input: ffjavascript 0.3.1's _timesScalarAffine does not handle affine (0,0).
            const PJ = G.toJacobian(P);
            const R = G.timesScalar(PJ, k);
            check(G.isValid(R), "mul result on curve");
            check(G.eq(R, G.timesScalar(PJ, mod(k, r))), "k mod r");
            if (G.isZero(P) || mod(k, r) === 0n) check(G.isZero(R), "mul: zero result");
            return { k: s(k), p: out(P), out: out(R) };
        });
    }

    // ---------------------------------------------------------------- pairing
    const Z_BN = 4965661367192848881n;
    const M_FAST = 2n * Z_BN * (6n * Z_BN * Z_BN + 3n * Z_BN + 1n);
    function exactPairing(P, Q) {
        const ml = curve.millerLoop(curve.prepareG1(G1.toJacobian(P)), curve.prepareG2(G2.toJacobian(Q)));
        const tm = curve.tm;
        tm.startSyncOp();
        const pA = tm.allocBuff(ml);
        const pR = tm.alloc(F12.n8);
        tm.instance.exports.bn128_finalExponentiationOld(pA, pR);
        const res = tm.getBuff(pR, F12.n8);
        tm.endSyncOp();
        return res;
    }
    function pairingCases() {
        const list = [[G1.toAffine(G1.g), G2.toAffine(G2.g)]];
        while (list.length < 8) list.push([g1Rand(), g2Rand()]);
        list.push([G1.zeroAffine, g2Rand()]);
        const res = list.map(([P, Q]) => {
            const e = curve.pairing(P, Q);
            const ex = exactPairing(P, Q);
            check(F12.eq(F12.exp(ex, M_FAST), e), "pairing == exact^m");
            if (G1.isZero(P)) check(F12.eq(e, F12.one) && F12.eq(ex, F12.one), "e(O, Q) == 1");
            return { p: g1Out(P), q: g2Out(Q), out: flat12(F12.toObject(e)).map(s),
                     out_exact: flat12(F12.toObject(ex)).map(s) };
        });
        // bilinearity spot check: e(aP, bQ) == e(P, Q)^(ab)
        const a = randBelow(r), b = randBelow(r);
        const lhs = curve.pairing(G1.toAffine(G1.timesScalar(G1.g, a)), G2.toAffine(G2.timesScalar(G2.g, b)));
        check(F12.eq(lhs, F12.exp(curve.pairing(G1.g, G2.g), mod(a * b, r))), "bilinearity");
        return res;
    }

    // ---------------------------------------------------------------- MSM
    async function msmCases(G, rand, out, sizes) {
        const res = [];
        for (const n of sizes) {
            const pts = [], ks = [];
            for (let i = 0; i < n; i++) {
                // a few repeated / negated bases in larger instances
                if (n >= 7 && i > 0 && i % 7 === 3) pts.push(pts[i - 1]);
                else if (n >= 7 && i > 0 && i % 11 === 5) pts.push(G.toAffine(G.neg(pts[i - 1])));
                else pts.push(rand());
                const kind = i % 3;
                if (kind === 0) ks.push(randBits(1));                 // 0 or 1
                else if (kind === 1) ks.push(randBits(20));           // small
                else ks.push(randBelow(r));                           // full width
            }
            const sG = G.F.n8 * 2;
            const bases = new Uint8Array(n * sG);
            const scal = new Uint8Array(n * 32);
            let naive = G.zero;
            for (let i = 0; i < n; i++) {
                bases.set(pts[i], i * sG);
                let k = ks[i];
                for (let j = 0; j < 32; j++) { scal[i * 32 + j] = Number(k & 0xffn); k >>= 8n; }
                naive = G.add(naive, G.timesScalar(pts[i], ks[i]));
            }
            const R = await G.multiExpAffine(bases, scal);
            check(G.eq(R, naive), `msm n=${n} vs naive sum`);
            res.push({ points: pts.map(out), scalars: ks.map(s), out: out(R) });
        }
        return res;
    }

    const t0 = Date.now();
    const result = { seed: SEED };
    result.fp = primeFieldCases(F1, p);
    result.fr = primeFieldCases(Fr, r);
    result.fp2 = fp2Cases(16);
    result.fp12 = fp12Cases(16);
    result.g1_add = addCases(G1, g1Rand, g1Out);
    result.g1_mul = mulCases(G1, g1Rand, g1Out);
    result.g2_add = addCases(G2, g2Rand, g2Out);
    result.g2_mul = mulCases(G2, g2Rand, g2Out);
    result.pairing = pairingCases();
    result.msm_g1 = await msmCases(G1, g1Rand, g1Out, [1, 2, 7, 64, 300]);
    result.msm_g2 = await msmCases(G2, g2Rand, g2Out, [1, 7, 64]);

    writeFileSync(OUT, JSON.stringify(result, null, 1) + "\n");
    const counts = Object.entries(result).filter(([k]) => k !== "seed").map(([k, v]) => `${k}=${v.length}`).join(" ");
    console.error(`wrote ${OUT} (${counts}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} finally {
    await curve.terminate();
}
