// Constraint counts of circomlib's circuits, compiled with circom2 (circom 2.2 in WebAssembly),
// for tests/snark/circom_counts_test.cc.
//
//   node circom_counts.mjs <seed (unused)> <out.json>
//
// For every case, compiles `component main = <template>;` with --O2 (linear constraints
// substituted away: circom's smallest output) and --O1 (circom's default), and records the
// non-linear and linear counts circom prints.

import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const circomCli = require.resolve("circom2/cli.js");
const circomlib = path.join(here, "node_modules", "circomlib", "circuits");
const ownCircuits = path.join(here, "circuits");

const OUT = process.argv[3];
if (!OUT) {
    console.error("usage: node circom_counts.mjs <seed> <out.json>");
    process.exit(2);
}

// name: [include file, main template expression, optimisation levels]
const cases = {};
for (let n = 1; n <= 6; n++) cases[`Poseidon(${n})`] = ["poseidon.circom", `Poseidon(${n})`, ["O1", "O2"]];
for (const n of [8, 64, 253]) cases[`Num2Bits(${n})`] = ["bitify.circom", `Num2Bits(${n})`, ["O1", "O2"]];
cases["Num2Bits_strict()"] = ["bitify.circom", "Num2Bits_strict()", ["O1", "O2"]];
for (const n of [64, 252]) cases[`LessThan(${n})`] = ["comparators.circom", `LessThan(${n})`, ["O1", "O2"]];
cases["IsZero()"] = ["comparators.circom", "IsZero()", ["O1", "O2"]];
cases["IsEqual()"] = ["comparators.circom", "IsEqual()", ["O1", "O2"]];
cases["Mux1()"] = ["mux1.circom", "Mux1()", ["O1", "O2"]];
for (const n of [2, 3, 4]) cases[`Mux${n}()`] = [`mux${n}.circom`, `Mux${n}()`, ["O1", "O2"]];
cases["Switcher()"] = ["switcher.circom", "Switcher()", ["O1", "O2"]];
cases["MerkleRootFromPath(32)"] = ["merkle_poseidon.circom", "MerkleRootFromPath(32)", ["O1", "O2"]];

// circom2 runs under WASI with the working directory and its parents preopened, and names
// files relative to the working directory: from "/" every absolute path is reachable.
const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), "circom-counts-"));
const results = {};
try {
    const jobs = [];
    for (const [name, [include, main, levels]] of Object.entries(cases)) {
        const dir = path.join(work, String(jobs.length));
        mkdirSync(dir);
        const file = path.join(dir, "main.circom");
        writeFileSync(file, `pragma circom 2.0.0;\ninclude "${include}";\ncomponent main = ${main};\n`);
        results[name] = {};
        for (const level of levels) jobs.push({ name, level, file, dir });
    }
    // Two compilations at a time (the machines have two cores).
    let next = 0;
    async function worker() {
        while (next < jobs.length) {
            const { name, level, file, dir } = jobs[next++];
            const { stdout } = await run(process.execPath, [circomCli, file, "--r1cs", `--${level}`,
                "-l", circomlib, "-l", ownCircuits, "-o", dir], { encoding: "utf8", cwd: "/" });
            const nonlinear = Number(/non-linear constraints: (\d+)/.exec(stdout)[1]);
            const linear = Number(/(?:^|\n)linear constraints: (\d+)/.exec(stdout)[1]);
            results[name][level] = { nonlinear, linear, total: nonlinear + linear };
        }
    }
    await Promise.all([worker(), worker()]);
    for (const [name, r] of Object.entries(results)) console.log(name, JSON.stringify(r));
} finally {
    rmSync(work, { recursive: true, force: true });
}
const version = execFileSync(process.execPath, [circomCli, "--version"], { encoding: "utf8" }).trim();
writeFileSync(OUT, JSON.stringify({ circom: version, counts: results }, null, 1));
