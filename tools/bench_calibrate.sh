#!/bin/sh
# bench_calibrate.sh -- calibration throughput for `make bench`: model runs a second.
#
# Runs a small ABC-SMC calibration on the committed targets (calibration/targets.yaml,
# base scenario calibration/start-2023-02.yaml: 2023-02 to 2031-02, ~3,000 firms
# growing to ~8,000) with 1 thread and with every core, and prints the model runs
# (replicates simulated) per second and firm-steps per second that `neobay calibrate`
# reports.  Usage: tools/bench_calibrate.sh [NEOBAY] (default build/neobay).
set -eu
cd "$(dirname "$0")/.."
NEOBAY=${1:-build/neobay}
[ -x "$NEOBAY" ] || { echo "bench_calibrate: build $NEOBAY first" >&2; exit 1; }
ROOT=$(pwd)
TMP=$(mktemp -d /tmp/nb_bench_cal.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
# The committed calibration's parameters and targets, a small budget.
sed -e "s|^scenario: .*|scenario: $ROOT/calibration/start-2023-02.yaml|" \
    -e "s|^targets: .*|targets: $ROOT/calibration/targets.yaml|" \
    -e "s|^particles: .*|particles: 60|" -e "s|^generations: .*|generations: 2|" \
    -e "s|^name: .*|name: bench|" \
    calibration/gnb-2024.yaml > "$TMP/bench.yaml"
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
echo "neobay bench: calibration throughput (ABC-SMC, gnb-2024 targets, 60 particles, 2 generations)"
for T in 1 "$NCPU"; do
  OUT=$("$NEOBAY" calibrate "$TMP/bench.yaml" -o "$TMP/post-$T.h5" -t "$T" 2>&1 | grep "neobay: wrote") || {
    echo "bench_calibrate: the calibration failed" >&2; exit 1; }
  RUNS=$(echo "$OUT" | sed -n 's/.*; \([0-9]*\) model runs, \([0-9.e+]*\) firm-steps in \([0-9.]*\) s (\([0-9.]*\) runs\/s).*/\1 \2 \3 \4/p')
  set -- $RUNS
  printf "  %2s thread(s): %6s model runs in %6s s: %7s runs/s, %s M firm-steps/s\n" "$T" "$1" "$3" "$4" \
    "$(awk "BEGIN { printf \"%.1f\", $2 / $3 / 1e6 }")"
  [ "$T" = "$NCPU" ] && break
done
