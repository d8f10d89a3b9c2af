#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this): installs what is missing, then
#   1. Release build with warnings as errors, every test (unit, EIP-196/197 vectors, oracles);
#   2. the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the libFuzzer decoders for a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
phase() { echo "== [$(( $(date +%s) - start )) s] $*"; }
# Tests skipped (exit 77) and the reason each printed: a skipped oracle should be noticed.
skipped() {
  local log="$1/Testing/Temporary/LastTest.log"
  [ -f "$log" ] && grep -h "^SKIP" "$log" | sort -u | sed 's/^/   skipped: /' || true
}
phase "setup"
scripts/setup.sh

phase "release build"
scripts/build.sh release
phase "test-only Python environment"
scripts/python_venv.sh build/release
phase "release tests"
ctest --test-dir build/release --output-on-failure -j "$(nproc)" --timeout 900
skipped build/release

phase "ASan + UBSan build"
scripts/build.sh asan
phase "ASan + UBSan tests"
# Every test but the long whole-system runs, which the release build has just run: real
# CometBFT networks and the ledger application's proved fixture (63 proofs: two minutes under
# the sanitizers), the model served and generated at length across threads, and the Python
# oracles (their code paths are covered here by the unit tests; under the sanitizers they
# would take most of the CI budget).
asan_skip='^(Cometbft|LedgerCometbft|LedgerApp)\.|^Provider\.(ConcurrentRequests|SameSeed|Audit|Streaming)'
asan_skip+='|^Generation\.(Audit|GoldenTranscripts|BatchOfEight|ScalarKernels)|^InferLlamaCppAgreement(Llama3)?$'
asan_skip+='|^ApiOpenAiClient$|^snark\.circom_constraint_counts$'
# Whole payments proved again and again (20-56 s each under the sanitizers); the release run has
# just run them, and Pool.TwoWalletsPayEachOtherPrivately / DoubleSpendsAreRejected keep the
# payment path under the sanitizers.
asan_skip+='|^Pool\.(TamperingBreaksTheProof|WithdrawalAndMoreThanTwoNotes|AmountsAndDepositsOutOfBounds)$'
asan_skip+='|^Shielded\.PaymentsDoubleSpendsRestartAndDeterminism$|^NodeApi\.PrivatePaymentAndEveryRejectionOverHttp$'
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$(nproc)" --timeout 1800 -E "$asan_skip"
skipped build/asan

phase "fuzzing the decoders"
scripts/build.sh fuzz
seconds=${DEPINFER_FUZZ_SECONDS:-12}
mkdir -p build/fuzz/corpus/decode build/fuzz/corpus/formats
build/fuzz/tests/fuzz/decode_fuzz -max_total_time="$seconds" -print_final_stats=1 \
  build/fuzz/corpus/decode 2>&1 | tail -n 3
mkdir -p build/fuzz/corpus/gguf
build/fuzz/tests/fuzz/gguf_fuzz -max_total_time="$seconds" -print_final_stats=1 \
  build/fuzz/corpus/gguf 2>&1 | tail -n 3
tests/snark/formats/make_fuzz_seeds.sh build/fuzz/corpus/formats >/dev/null
build/fuzz/tests/snark/formats/fuzz_formats -max_total_time="$seconds" -print_final_stats=1 \
  build/fuzz/corpus/formats 2>&1 | tail -n 3

echo "== all tests passed in $(( $(date +%s) - start )) s"
