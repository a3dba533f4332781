#!/bin/bash
# submit-sweep.sh -- submit a neobay sweep as a Slurm job array of N shards and the
# merge that runs when every shard has succeeded.
#
#   cluster/submit-sweep.sh SWEEP.yaml N OUTDIR [sbatch options for the array...]
#   e.g. cluster/submit-sweep.sh scenarios/sweeps/policy.yaml 16 /scratch/$USER/policy -c 8
#
# Prints the two job ids.  The merged file is OUTDIR/sweep.h5; shards are
# OUTDIR/out.shardK.h5.  Follow with `squeue -u $USER`; see cluster/README.md.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 SWEEP.yaml N OUTDIR [sbatch options...]" >&2; exit 2; }
sweep=$1 n=$2 outdir=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$outdir"
array=$(sbatch --parsable --array=0-$((n - 1)) "$@" "$here/sweep-array.sbatch" "$sweep" "$outdir" "$n")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/sweep-merge.sbatch" "$outdir" "$n")
echo "array job $array ($n tasks), merge job $merge -> $outdir/sweep.h5"
