#!/bin/bash
# submit-sweep.sh -- submit a neobay sweep as a Slurm job array of N shards and the
# merge that runs when every shard has succeeded.
#
#   cluster/submit-sweep.sh SWEEP.yaml N OUTDIR [sbatch options for the array...]
#   e.g. cluster/submit-sweep.sh scenarios/sweeps/policy.yaml 16 /scratch/$USER/policy -c 8
#
# Prints the two job ids.  The merged file is OUTDIR/sweep.h5; shards are
# OUTDIR/out.shardK.h5; job logs go to OUTDIR/logs/ (LOGDIR=... to put them
# elsewhere).  Follow with `squeue -u $USER`; see cluster/README.md.
#
# The binary is NEOBAY (default: neobay on PATH).  It is checked here, before
# anything is submitted, and passed to the jobs by its full path, so tasks cannot
# fail with "command not found" and leave the merge pending.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 SWEEP.yaml N OUTDIR [sbatch options...]" >&2; exit 2; }
sweep=$1 n=$2 outdir=$3
shift 3
bin=$(command -v "${NEOBAY:-neobay}" 2>/dev/null) && [ -f "$bin" ] && [ -x "$bin" ] || {
    echo "$0: no neobay binary '${NEOBAY:-neobay}' (not on PATH, or not executable): build it (make) and set NEOBAY=/path/to/build/neobay" >&2
    exit 2
}
NEOBAY=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
export NEOBAY
here=$(cd "$(dirname "$0")" && pwd)
logdir=${LOGDIR:-$outdir/logs}
mkdir -p "$outdir" "$logdir"
array=$(sbatch --parsable --array=0-$((n - 1)) --output="$logdir/neobay-sweep-%A_%a.out" "$@" \
        "$here/sweep-array.sbatch" "$sweep" "$outdir" "$n")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --output="$logdir/neobay-merge-%j.out" \
        "$here/sweep-merge.sbatch" "$outdir" "$n")
echo "array job $array ($n tasks), merge job $merge -> $outdir/sweep.h5 (logs in $logdir)"
