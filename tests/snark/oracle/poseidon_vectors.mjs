// Poseidon reference vectors from circomlibjs (iden3), for tests/snark/poseidon_oracle_test.cc.
//
//   node poseidon_vectors.mjs <seed> <out.json>
//
// Writes, for every width t = 2..17 (1..16 inputs):
//   * circomlibjs's parameter tables (src/poseidon_constants.json: C[t-2] flat, M[t-2][i][j]),
//     so our Grain-generated constants are compared one by one;
//   * hashes of fixed inputs (0, 1, small counts, p-1) and of random inputs drawn from
//     SHA-256("<seed>:<counter>").
// Every hash is computed by all three circomlibjs implementations (the WASM one, the reference
// and the optimised one) and the script fails if they disagree. Field elements are decimal.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { buildPoseidon, buildPoseidonReference, buildPoseidonOpt } from "circomlibjs";

const argv = process.argv.slice(2);
if (argv.length !== 2 || !/^\d+$/.test(argv[0])) {
    console.error("usage: node poseidon_vectors.mjs <seed> <out.json>");
    process.exit(2);
}
const SEED = argv[0];
const OUT = argv[1];
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

let counter = 0;
function randomField() {
    const a = createHash("sha256").update(`${SEED}:${counter++}`).digest("hex");
    const b = createHash("sha256").update(`${SEED}:${counter++}`).digest("hex");
    return BigInt("0x" + a + b) % P;
}

const wasm = await buildPoseidon();
const reference = await buildPoseidonReference();
const opt = await buildPoseidonOpt();
const F = reference.F;

function hash(inputs) {
    const outs = [wasm, reference, opt].map((h) => h.F.toObject(h(inputs)).toString());
    if (outs[1] !== outs[0] || outs[2] !== outs[0]) {
        throw new Error(`circomlibjs implementations disagree on [${inputs}]: ${outs}`);
    }
    return outs[0];
}

const tables = JSON.parse(readFileSync(
    new URL("./node_modules/circomlibjs/src/poseidon_constants.json", import.meta.url)));
const dec = (hex) => BigInt(hex).toString();

const params = [];
const hashes = [];
for (let n = 1; n <= 16; n++) {
    const t = n + 1;
    params.push({
        t,
        C: tables.C[t - 2].map(dec),
        M: tables.M[t - 2].map((row) => row.map(dec)),
    });
    const fixed = [
        Array.from({ length: n }, () => 0n),
        Array.from({ length: n }, () => 1n),
        Array.from({ length: n }, (_, i) => BigInt(i + 1)),
        Array.from({ length: n }, () => P - 1n),
    ];
    const random = Array.from({ length: 4 }, () => Array.from({ length: n }, randomField));
    for (const inputs of [...fixed, ...random]) {
        hashes.push({ inputs: inputs.map(String), out: hash(inputs) });
    }
}
// F is unused beyond a sanity check that the field is BN254's r.
if (F.p !== P) throw new Error("circomlibjs field is not BN254 Fr");

writeFileSync(OUT, JSON.stringify({ seed: SEED, params, hashes }, null, 1));
console.log(`wrote ${hashes.length} Poseidon hashes and ${params.length} parameter sets to ${OUT}`);
