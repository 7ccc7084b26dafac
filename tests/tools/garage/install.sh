#!/usr/bin/env bash
# Builds Garage, the S3-compatible object store the object-storage tests
# (tests/fleet_store.rs, benches/fleet.rs) run against, from crates.io,
# pinned, and prints the binary's path. Kept in ~/.cargo/bin: a machine
# that has this version already skips the build (about 6 minutes on two
# cores).
#
# Only what a single-node test store needs: the LMDB metadata engine and
# bundled C libraries; no metrics, K2V or SQLite. Optimisation level 1
# halves the build, and loopback tests need no more speed.
set -euo pipefail
version=2.5.0
bin=${CARGO_HOME:-$HOME/.cargo}/bin/garage
if [[ -x $bin ]] && "$bin" --version 2>/dev/null | grep -q "cargo:$version"; then
  echo "$bin"
  exit 0
fi
command -v cargo >/dev/null || { echo "garage: cargo is required to build Garage" >&2; exit 2; }
mkdir -p "$(dirname "$bin")"
exec 9>"${TMPDIR:-/tmp}/stigkit-garage-install.lock"
flock 9
if ! { [[ -x $bin ]] && "$bin" --version 2>/dev/null | grep -q "cargo:$version"; }; then
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0 \
    cargo install --locked --quiet "garage@$version" \
      --no-default-features --features bundled-libs,lmdb \
    || { echo "garage: cargo install garage@$version failed" >&2; exit 2; }
fi
echo "$bin"
