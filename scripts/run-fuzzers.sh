#!/usr/bin/env bash
# Runs every libFuzzer target in $BUILD/fuzz for $FUZZ_SECONDS each (make fuzz), from a seed
# corpus assembled out of data/ and tests/. New inputs that reach new code are kept in
# $BUILD/corpus/NAME between runs; a crash leaves its input in $BUILD/artifacts/ and fails the
# run. Prints the executions of each target and the total.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
seeds=$BUILD/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$BUILD/corpus" "$BUILD/artifacts" "$BUILD/logs"

# seed NAME FILE...: copies files into the seed folder of target NAME.
seed() {
  local name=$1
  shift
  mkdir -p "$seeds/$name"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$seeds/$name/$(echo "$f" | tr / _)"; done
  return 0
}
seed fuzz_model data/models/*.yaml tests/catalog/*.yaml
seed fuzz_chip data/chips/*.yaml
seed fuzz_system data/systems/*.yaml
seed fuzz_fabric data/fabrics/*.yaml
seed fuzz_efficiency data/efficiency/*.yaml
seed fuzz_sweep tests/sweep/*.yaml
seed fuzz_trace tests/golden/*.csv
seed fuzz_scenario examples/*.scenario.yaml
seed fuzz_pipeline examples/pipelines/*.yaml tests/golden/pipeline_*.yaml
seed fuzz_software data/software/*.yaml
seed fuzz_plan examples/fleet-*.yaml tests/fleet/*.yaml
# The factory targets read a selector byte, then the file (see fuzz/fuzz_factory_data.cc).
mkdir -p "$seeds/fuzz_facility" "$seeds/fuzz_prices"
i=0
for f in cooling network reliability site systems; do
  { printf "\\$(printf '%03o' $i)"; cat "data/facility/$f.yaml"; } >"$seeds/fuzz_facility/$f"
  i=$((i + 1))
done
i=0
for f in electricity network systems; do
  { printf "\\$(printf '%03o' $i)"; cat "data/prices/$f.yaml"; } >"$seeds/fuzz_prices/$f"
  i=$((i + 1))
done
# Flag parsers: the golden CLI cases of each command, without the command's name.
for args in tests/golden/*.args; do
  command=$(head -n 1 "$args")
  mkdir -p "$seeds/fuzz_flags_$command"
  tail -n +2 "$args" >"$seeds/fuzz_flags_$command/$(basename "$args")"
done

total=0
failed=()
for bin in "$BUILD"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  mkdir -p "$BUILD/corpus/$name" "$seeds/$name"
  log=$BUILD/logs/$name.log
  if "$bin" "$BUILD/corpus/$name" "$seeds/$name" -max_total_time="$FUZZ_SECONDS" -timeout=20 \
    -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$BUILD/artifacts/$name-" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$name")
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  runs=${runs:-0}
  total=$((total + runs))
  printf '%-26s %-6s %10s executions  (%s)\n' "$name" "$status" "$runs" "$log"
done
echo "total: $total executions, ${FUZZ_SECONDS} s per target"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzers that found a problem: ${failed[*]} (inputs in $BUILD/artifacts/)" >&2
  for name in "${failed[@]}"; do tail -n 40 "$BUILD/logs/$name.log" >&2; done
  exit 1
fi
