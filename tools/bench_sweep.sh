#!/bin/sh
# bench_sweep.sh -- sweep throughput (model runs per second) with 1 and 2 MPI ranks.
#
#   tools/bench_sweep.sh [NEOBAY] [SWEEP.yaml]
#   (defaults: build/neobay and scenarios/sweeps/small.yaml; BENCH_REPEAT=3 runs each,
#   the best is reported)
#
# "runs/s" is neobay's own figure: model runs (points x replicates) over the time from
# the first point to the file written.  "wall" adds start-up (loading, and for 2 ranks
# mpirun's launch, about a second) -- it dominates for the small sweep; pass a larger
# sweep for a steady-state figure.  1 rank runs `neobay sweep` with OpenMP on every
# core; 2 ranks run `mpirun -n 2` (one core each when bound).  The two files must be
# byte-identical, and the script checks it.
set -eu
NB=${1:-build/neobay}
SWEEP=${2:-scenarios/sweeps/small.yaml}
REPEAT=${BENCH_REPEAT:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

now() { date +%s.%N; }

# bench LABEL OUT CMD...: run CMD REPEAT times; print the best runs/s and wall time.
bench() {
    label=$1 out=$2
    shift 2
    best=0 bestwall=0 line=""
    i=0
    while [ "$i" -lt "$REPEAT" ]; do
        t0=$(now)
        "$@" -o "$out" 2>"$tmp/err" >/dev/null || { cat "$tmp/err" >&2; exit 1; }
        t1=$(now)
        line=$(grep "runs/s" "$tmp/err" | tail -1)
        rate=$(printf '%s\n' "$line" | sed -n 's/.*: \([0-9.e+]*\) runs\/s.*/\1/p')
        runs=$(printf '%s\n' "$line" | sed -n 's/.*; \([0-9]*\) model runs.*/\1/p')
        wall=$(awk "BEGIN { print $t1 - $t0 }")
        if awk "BEGIN { exit !($rate > $best) }"; then best=$rate bestwall=$wall; fi
        i=$((i + 1))
    done
    setup=$(printf '%s\n' "$line" | sed -n 's/.*(\(.*\))$/\1/p')
    printf '  %-7s %-22s %8.1f runs/s   (wall %.2f s with start-up: %.1f runs/s)\n' "$label" "($setup)" \
        "$best" "$bestwall" "$(awk "BEGIN { print $runs / $bestwall }")"
}

[ -x "$NB" ] || { echo "bench_sweep.sh: build neobay first ($NB)" >&2; exit 1; }
runs=$("$NB" sweep check "$SWEEP" | sed -n 's/.*= \([0-9]*\) model runs.*/\1/p')
echo "sweep throughput: $SWEEP, $runs model runs, best of $REPEAT"
bench "1 rank" "$tmp/r1.h5" "$NB" sweep "$SWEEP" --restart
if "$NB" sweep --help | grep -q "built with MPI" && command -v mpirun >/dev/null 2>&1; then
    bench "2 ranks" "$tmp/r2.h5" mpirun -n 2 --oversubscribe "$NB" sweep "$SWEEP" --restart
    cmp -s "$tmp/r1.h5" "$tmp/r2.h5" || { echo "bench_sweep.sh: 1 and 2 ranks wrote different files" >&2; exit 1; }
else
    echo "  2 ranks: skipped (neobay built without MPI, or no mpirun)"
fi
