#!/usr/bin/env bash
# CometBFT for the consensus layer (docs/consensus.md), pinned in scripts/cometbft.env:
#  - `go install` of the cometbft binary into $COMETBFT_BIN_DIR (default /usr/local/bin as root,
#    ~/.local/bin otherwise), skipped when the binary there already reports the pinned version;
#  - `go mod download` of the cometbft and gogoproto modules, so their .proto files are in the
#    Go module cache where src/consensus/CMakeLists.txt finds them (no copy in the repository).
# Needs Go >= 1.22 (CometBFT v0.38's go.mod): PATH, /usr/local/go/bin or $GO. Run by
# scripts/setup.sh from the repository root.
set -euo pipefail
# shellcheck source=../cometbft.env
source scripts/cometbft.env

go_bin="${GO:-}"
if [ -z "$go_bin" ]; then
  if command -v go >/dev/null 2>&1; then go_bin=$(command -v go)
  elif [ -x /usr/local/go/bin/go ]; then go_bin=/usr/local/go/bin/go
  else
    echo "setup: Go not found (PATH, /usr/local/go/bin, \$GO); install Go >= 1.22 from go.dev/dl" >&2
    echo "setup: and run scripts/setup.sh again (needed for CometBFT $COMETBFT_VERSION)" >&2
    exit 1
  fi
fi

if [ "$(id -u)" -eq 0 ]; then default_bin=/usr/local/bin; else default_bin="$HOME/.local/bin"; fi
bin_dir="${COMETBFT_BIN_DIR:-$default_bin}"
want="${COMETBFT_VERSION#v}"

# Work outside any module so `go` resolves the pinned versions through the module proxy.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

have=""
[ -x "$bin_dir/cometbft" ] && have=$("$bin_dir/cometbft" version 2>/dev/null | head -n1 || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing cometbft $COMETBFT_VERSION into $bin_dir (go install, a few minutes)"
  mkdir -p "$bin_dir"
  GOBIN="$bin_dir" GOFLAGS=-mod=mod "$go_bin" install "github.com/cometbft/cometbft/cmd/cometbft@$COMETBFT_VERSION"
  have=$("$bin_dir/cometbft" version | head -n1)
  [ "$have" = "$want" ] || { echo "setup: $bin_dir/cometbft reports '$have', expected '$want'" >&2; exit 1; }
fi

modcache=$("$go_bin" env GOMODCACHE)
for mod in "github.com/cometbft/cometbft@$COMETBFT_VERSION" "github.com/cosmos/gogoproto@$GOGOPROTO_VERSION"; do
  if [ ! -d "$modcache/$mod" ]; then
    echo "setup: go mod download $mod"
    GOFLAGS=-mod=mod "$go_bin" mod download "$mod"
  fi
done
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "setup: note: $bin_dir is not on PATH; the tests also look there" ;;
esac
