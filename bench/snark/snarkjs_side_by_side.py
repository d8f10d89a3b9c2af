#!/usr/bin/env python3
"""Groth16 proving, our prover against snarkjs, on the same circom circuits in one run.

    python3 bench/snark/snarkjs_side_by_side.py [--runs N] [--chain K] [--depth D] [--dir DIR]
                                                [--synthetic LOG2 ...]

Circuits (circomlib's Poseidon, compiled by circom2, circom in WebAssembly):
  - a chain of K Poseidon(2) hashes (K = 136 gives 32,642 constraints: a 2^15 domain);
  - a Merkle membership proof of depth D (circomlib Poseidon and Switcher per level,
    tests/snark/oracle/circuits/merkle_poseidon.circom).
For each: the witness from circom's WebAssembly calculator (`snarkjs wtns calculate`), one key
from `depinfer zk setup` (a .zkey snarkjs reads as its own), then N proofs with each prover,
alternating so that drift on a shared machine hits both alike. Each proof is checked by the other
tool (`snarkjs groth16 verify` on ours, `depinfer zk verify` on snarkjs's). Reported: median
wall time, CPU time and peak RSS of each prover process, and the ratio of the medians.

--synthetic LOG2 adds circuits of 2^LOG2 constraints (bench/snark/synthetic_circuit.h, written as
.r1cs/.wtns by build/release/bench/snark/make_circuit) proved by our command only: circom2 runs
out of its 4 GB WebAssembly memory compiling a Poseidon chain of 2^20 constraints. Reported: setup
and prove time and the peak RSS of each command.

Needs node and the npm oracles that scripts/setup.sh installs (tests/snark/oracle for circom2 and
circomlib, tests/snark/formats/oracle for snarkjs), and a release build (build/release).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CIRCOM = os.path.join(ROOT, "tests/snark/oracle/node_modules/circom2/cli.js")
CIRCOMLIB = os.path.join(ROOT, "tests/snark/oracle/node_modules/circomlib/circuits")
OWN_CIRCUITS = os.path.join(ROOT, "tests/snark/oracle/circuits")
SNARKJS = os.path.join(ROOT, "tests/snark/formats/oracle/node_modules/.bin/snarkjs")
DEPINFER = os.path.join(ROOT, "build/release/src/app/depinfer")
MAKE_CIRCUIT = os.path.join(ROOT, "build/release/bench/snark/make_circuit")
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617

CHAIN = """pragma circom 2.0.0;
include "poseidon.circom";
// y = H(H(...H(x, 0)..., k-2), k-1): one Poseidon(2) per link.
template PoseidonChain(k) {
    signal input x;
    signal output y;
    component h[k];
    for (var i = 0; i < k; i++) {
        h[i] = Poseidon(2);
        h[i].inputs[0] <== i == 0 ? x : h[i - 1].out;
        h[i].inputs[1] <== i;
    }
    y <== h[k - 1].out;
}
component main = PoseidonChain(%d);
"""

MERKLE = """pragma circom 2.0.0;
include "merkle_poseidon.circom";
component main = MerkleRootFromPath(%d);
"""


def run(cmd, **kw):
    """Runs a command; returns (wall s, cpu s, peak RSS MB). Fails loudly on a non-zero exit."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    out = proc.stdout.read().decode(errors="replace")
    proc.stdout.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit("failed (exit %d): %s\n%s" % (proc.returncode, " ".join(cmd), out))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def constraints_of(r1cs):
    out = subprocess.run([DEPINFER, "zk", "info", r1cs], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.strip().startswith("constraints:"):
            return int(line.split()[-1])
    raise RuntimeError("no constraint count for " + r1cs)


def prepare(dirname, name, source, inputs):
    """Compiles, computes the witness and makes the key; returns the file paths."""
    os.makedirs(dirname, exist_ok=True)
    base = os.path.join(dirname, name)
    r1cs, zkey = base + ".r1cs", base + ".zkey"
    wasm = os.path.join(dirname, name + "_js", name + ".wasm")
    with open(base + ".circom", "w") as f:
        f.write(source)
    with open(base + ".input.json", "w") as f:
        json.dump(inputs, f)
    if not os.path.exists(r1cs) or not os.path.exists(wasm):
        print("  compiling %s with circom2 ..." % name, flush=True)
        run(["node", CIRCOM, base + ".circom", "--r1cs", "--wasm", "--O2", "-l", CIRCOMLIB, "-l", OWN_CIRCUITS,
             "-o", dirname])
    run([SNARKJS, "wtns", "calculate", wasm, base + ".input.json", base + ".wtns"])
    if not os.path.exists(zkey) or os.path.getmtime(zkey) < os.path.getmtime(r1cs):
        print("  setup (depinfer zk setup) ...", flush=True)
        run([DEPINFER, "zk", "setup", r1cs, zkey, "--vk", base + ".vk.json"])
    return {"r1cs": r1cs, "zkey": zkey, "wtns": base + ".wtns", "vk": base + ".vk.json", "base": base}


def bench(files, runs, with_snarkjs=True):
    base = files["base"]
    ours, theirs = [], []
    for i in range(runs):
        ours.append(run([DEPINFER, "zk", "prove", files["zkey"], files["wtns"], base + ".ours.proof.json",
                         base + ".ours.public.json"]))
        if with_snarkjs:
            theirs.append(run([SNARKJS, "groth16", "prove", files["zkey"], files["wtns"], base + ".snarkjs.proof.json",
                               base + ".snarkjs.public.json"]))
    # Each tool checks the other's proof.
    run([DEPINFER, "zk", "verify", files["vk"], base + ".ours.public.json", base + ".ours.proof.json"])
    if with_snarkjs:
        run([SNARKJS, "groth16", "verify", files["vk"], base + ".ours.public.json", base + ".ours.proof.json"])
        run([DEPINFER, "zk", "verify", files["vk"], base + ".snarkjs.public.json", base + ".snarkjs.proof.json"])
    return ours, theirs


def median(samples, k):
    return statistics.median(s[k] for s in samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="proofs per prover and circuit (default 5)")
    ap.add_argument("--chain", type=int, default=136, help="Poseidon hashes in the chain (default 136: 2^15)")
    ap.add_argument("--depth", type=int, default=32, help="Merkle depth (default 32)")
    ap.add_argument("--synthetic", type=int, nargs="*", default=[],
                    help="also synthetic circuits of 2^LOG2 constraints, ours only (e.g. 16 20)")
    ap.add_argument("--dir", default=os.path.join(ROOT, "build/bench-snarkjs"), help="working folder")
    args = ap.parse_args()
    for path, what in [(CIRCOM, "circom2"), (SNARKJS, "snarkjs"), (DEPINFER, "depinfer (build/release)")]:
        if not os.path.exists(path):
            sys.exit("missing %s at %s: run scripts/setup.sh and scripts/build.sh first" % (what, path))

    rng = random.Random(7)
    circuits = [
        ("poseidon_chain_%d" % args.chain, CHAIN % args.chain, {"x": "1"}, True),
        ("merkle_depth_%d" % args.depth, MERKLE % args.depth,
         {"leaf": str(rng.randrange(R)), "index_bits": [str(rng.randrange(2)) for _ in range(args.depth)],
          "siblings": [str(rng.randrange(R)) for _ in range(args.depth)]}, True),
    ]

    rows = []
    for name, source, inputs, with_snarkjs in circuits:
        print("%s:" % name, flush=True)
        files = prepare(args.dir, name, source, inputs)
        ours, theirs = bench(files, args.runs, with_snarkjs)
        rows.append((name, constraints_of(files["r1cs"]), ours, theirs))
    print()
    print("load average at the end: %.2f; %d cores" % (os.getloadavg()[0], os.cpu_count()))
    synthetic = []
    for k in args.synthetic:
        print("synthetic_%d:" % k, flush=True)
        base = os.path.join(args.dir, "synthetic_%d" % k)
        os.makedirs(args.dir, exist_ok=True)
        run([MAKE_CIRCUIT, str(k), args.dir])
        setup = run([DEPINFER, "zk", "setup", base + ".r1cs", base + ".zkey", "--vk", base + ".vk.json"])
        files = {"r1cs": base + ".r1cs", "zkey": base + ".zkey", "wtns": base + ".wtns", "vk": base + ".vk.json",
                 "base": base}
        ours, _ = bench(files, args.runs, with_snarkjs=False)
        synthetic.append(("synthetic_%d" % k, constraints_of(base + ".r1cs"), setup, ours,
                          os.path.getsize(base + ".zkey") / 1e6))
    print("| circuit | constraints | depinfer zk prove (wall / CPU) | snarkjs groth16 prove (wall / CPU) | "
          "ratio (wall) | peak RSS depinfer / snarkjs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, n, ours, theirs in rows:
        o = "%.3f s / %.2f s" % (median(ours, 0), median(ours, 1))
        if theirs:
            t = "%.3f s / %.2f s" % (median(theirs, 0), median(theirs, 1))
            ratio = "%.1fx" % (median(theirs, 0) / median(ours, 0))
            mem = "%.0f MB / %.0f MB" % (max(s[2] for s in ours), max(s[2] for s in theirs))
        else:
            t, ratio, mem = "-", "-", "%.0f MB / -" % max(s[2] for s in ours)
        print("| %s | %d | %s | %s | %s | %s |" % (name, n, o, t, ratio, mem))
    print("(medians of %d runs each, alternating; every proof cross-verified by the other tool)" % args.runs)
    if synthetic:
        print()
        print("| circuit | constraints | .zkey | zk setup (wall / CPU / peak RSS) | zk prove (wall / CPU) | "
              "zk prove peak RSS |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, n, setup, ours, mb in synthetic:
            print("| %s | %d | %.0f MB | %.1f s / %.1f s / %.0f MB | %.3f s / %.2f s | %.0f MB |" % (
                name, n, mb, setup[0], setup[1], setup[2], median(ours, 0), median(ours, 1), max(s[2] for s in ours)))
        print("(prove: medians of %d runs, each checked by `depinfer zk verify`)" % args.runs)


if __name__ == "__main__":
    main()
