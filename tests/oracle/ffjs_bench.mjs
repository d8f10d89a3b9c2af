// Timing baseline with ffjavascript (WASM + worker threads) for the BN254 core.
//
//   node ffjs_bench.mjs
//
// Prints one JSON object per line: {"op", "n", "runs", "median_ms", ...}.
// Each timing is the median of several runs after one or two warm-up runs.
// ffjavascript spawns one worker per CPU (os.cpus().length, capped at 64); multiExpAffine and
// fft are spread over those workers, curve.pairing and the explicit millerLoop path run on
// the main thread, pairingEq runs its Miller loops on the workers.

import { createHash } from "node:crypto";
import os from "node:os";
import { buildBn128 } from "ffjavascript";

let counter = 0;
function rand256() {
    return BigInt("0x" + createHash("sha256").update(`bench:${counter++}`).digest("hex"));
}

async function timeit(fn, runs, warmup = 1) {
    for (let i = 0; i < warmup; i++) await fn();
    const t = [];
    for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        await fn();
        t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    t.sort((a, b) => a - b);
    const mid = t.length >> 1;
    const median = t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2;
    return { runs, median_ms: +median.toFixed(3), min_ms: +t[0].toFixed(3), max_ms: +t[t.length - 1].toFixed(3) };
}
const emit = (o) => console.log(JSON.stringify(o));

const curve = await buildBn128();
try {
    const { G1, G2, F12, Fr } = curve;
    const r = curve.r;
    emit({ op: "env", node: process.version, ffjavascript: "0.3.1", cpus: os.cpus().length,
           worker_threads: curve.tm.workers ? curve.tm.workers.length : 0, concurrency: curve.tm.concurrency });

    // ---- single pairing
    const P = G1.toAffine(G1.timesScalar(G1.g, rand256() % r));
    const Q = G2.toAffine(G2.timesScalar(G2.g, rand256() % r));
    emit({ op: "pairing", n: 1, ...(await timeit(() => curve.pairing(P, Q), 21, 3)) });

    // ---- 4-pair multi-pairing: prepare + millerLoop per pair, product, one final exponentiation
    const Ps = [], Qs = [];
    for (let i = 0; i < 4; i++) {
        Ps.push(G1.timesScalar(G1.g, rand256() % r));
        Qs.push(G2.timesScalar(G2.g, rand256() % r));
    }
    emit({ op: "multi_pairing_millerloop_product", n: 4, ...(await timeit(() => {
        let acc = F12.one;
        for (let i = 0; i < 4; i++) acc = F12.mul(acc, curve.millerLoop(curve.prepareG1(Ps[i]), curve.prepareG2(Qs[i])));
        return curve.finalExponentiation(acc);
    }, 11, 2)) });
    emit({ op: "pairingEq_workers", n: 4, ...(await timeit(() =>
        curve.pairingEq(Ps[0], Qs[0], Ps[1], Qs[1], Ps[2], Qs[2], Ps[3], Qs[3]), 11, 2)) });

    // ---- G1 MSM (affine bases, full-width random scalars < r)
    const maxLog = 16;
    const N = 1 << maxLog;
    const sG = G1.F.n8 * 2;
    const bases = new Uint8Array(N * sG);
    {
        // consecutive multiples of a random point: cheap to generate, fine for timing
        const step = G1.timesScalar(G1.g, rand256() % r);
        let acc = G1.timesScalar(G1.g, rand256() % r);
        const jac = new Uint8Array(N * G1.F.n8 * 3);
        for (let i = 0; i < N; i++) {
            jac.set(acc, i * G1.F.n8 * 3);
            acc = G1.add(acc, step);
        }
        bases.set(await G1.batchToAffine(jac));
    }
    const scalars = new Uint8Array(N * 32);
    for (let i = 0; i < N; i++) {
        let k = rand256() % r;
        for (let j = 0; j < 32; j++) { scalars[i * 32 + j] = Number(k & 0xffn); k >>= 8n; }
    }
    for (const [lg, runs] of [[10, 11], [12, 7], [16, 5]]) {
        const n = 1 << lg;
        const b = bases.slice(0, n * sG), s = scalars.slice(0, n * 32);
        emit({ op: "g1_msm_multiExpAffine", n, ...(await timeit(() => G1.multiExpAffine(b, s), runs, 1)) });
    }

    // ---- Fr NTT (forward FFT over Fr, input in internal Montgomery form)
    for (const [lg, runs] of [[16, 7], [20, 3]]) {
        const n = 1 << lg;
        const buff = new Uint8Array(n * 32);
        for (let i = 0; i < n; i++) buff.set(Fr.e(rand256() % r), i * 32);
        emit({ op: "fr_fft", n, ...(await timeit(() => Fr.fft(buff), runs, 1)) });
    }
} finally {
    await curve.terminate();
}
