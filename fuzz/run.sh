#!/usr/bin/env bash
# Runs every fuzz target in turn: fuzz/run.sh SECONDS [RUNS] [TARGET...]
# Each target stops after SECONDS or RUNS executions, whichever comes first.
# Needs the nightly toolchain and cargo-fuzz; seeds come from fuzz/seed.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:?usage: fuzz/run.sh SECONDS [RUNS] [TARGET...]}"
runs="${2:--1}"
shift $(( $# >= 2 ? 2 : 1 ))
cd "$here"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
[ -d corpus ] || ./seed.sh
# No sanitizer (the crate has no unsafe code) but debug assertions on, so
# overflow and slicing bugs panic; one build serves every target.
# FUZZ_BUILD=--dev builds unoptimised, quicker to build for short runs (CI).
build=(${FUZZ_BUILD:--O -a})
cargo +nightly fuzz build -s none "${build[@]}"
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "fuzz: $t for ${secs}s"
  if ! cargo +nightly fuzz run -s none "${build[@]}" "$t" "corpus/$t" -- \
      -max_total_time="$secs" -runs="$runs" -max_len=16384 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 2>"artifacts/$t.log"; then
    echo "fuzz: $t FAILED, see fuzz/artifacts/$t.log and fuzz/artifacts/$t/" >&2
    tail -40 "artifacts/$t.log" >&2
    failed=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "artifacts/$t.log" | sed "s/^/  $t /" || true
done
exit $failed
