#!/bin/bash
# Submits a sweep as one SLURM job array, one element per task.
#
#   slurm/submit-sweep.sh JOB.yaml [sbatch options] [-- cvxnn-dist options]
#
#   slurm/submit-sweep.sh jobs/q7-widths.yaml --ntasks=2 --time=00:20:00 --account=me
#   slurm/submit-sweep.sh jobs/q7-widths.yaml --ntasks=2 -- --set sgd.epochs=1000
#   slurm/submit-sweep.sh jobs/q7-widths.yaml --ntasks=2 --array=3,7   # rerun two tasks
#
# The array is --array=0-(count-1), with count from `cvxnn-dist --job JOB.yaml
# --count`, unless an --array option is given. Options after "--" go to every
# task's cvxnn-dist (e.g. --set output.dir=/scratch/me/results). Prints the
# job id. CVXNN_DIST: the program (default: build/cvxnn-dist of this
# checkout); it is passed on to the jobs.
set -euo pipefail

# die, here, CVXNN_DIST (absolute)
source "$(dirname "${BASH_SOURCE[0]}")/submit-common.sh"

[ $# -ge 1 ] || die "usage: $0 JOB.yaml [sbatch options] [-- cvxnn-dist options]"
job=$1
shift
[ -f "$job" ] || die "job file '$job' not found"
job=$(cd "$(dirname "$job")" && pwd)/$(basename "$job")
[ -x "$CVXNN_DIST" ] || die "cvxnn-dist not found at '$CVXNN_DIST': build it (meson setup build && ninja -C build) or set CVXNN_DIST"
command -v sbatch >/dev/null || die "sbatch not found: is SLURM available here (module load slurm, or SLURM_CONF)?"

sbatch_opts=()
prog_opts=()
has_array=0
while [ $# -gt 0 ]; do
  if [ "$1" = -- ]; then
    shift
    prog_opts=("$@")
    break
  fi
  case $1 in --array | --array=* | -a | -a?*) has_array=1 ;; esac
  sbatch_opts+=("$1")
  shift
done

if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
count=$(OPENBLAS_NUM_THREADS=1 "$CVXNN_DIST" --job "$job" --count) || die "cannot read the sweep '$job' (see the error above)"
count=$(echo "$count" | tr -d '[:space:]')
case $count in '' | *[!0-9]* | 0) die "'$CVXNN_DIST --job $job --count' printed '$count', not a task count" ;; esac

array=()
[ $has_array = 1 ] || array=(--array="0-$((count - 1))")
out=$(sbatch --parsable "${array[@]}" "${sbatch_opts[@]}" "$here/array.sbatch" "$job" "${prog_opts[@]}") || die "sbatch failed"
jobid=${out%%;*}
echo "$jobid"
echo "submit-sweep: job array $jobid: $count tasks of $job${array:+ (${array[0]})}" >&2
echo "submit-sweep: follow with 'squeue -j $jobid'; when done: /usr/bin/python3 analysis/collect.py <output.dir>/<sweep name>" >&2
