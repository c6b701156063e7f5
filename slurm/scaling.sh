#!/bin/bash
# A scaling series through SLURM: one run of slurm/run.sbatch per rank count.
#
#   slurm/scaling.sh [--weak] [--ranks 1,2,4,8] [--samples-per-rank N] [--out DIR]
#                    [--parallel] CONFIG.yaml [sbatch options] [-- cvxnn-dist options]
#
# strong (default): the same problem (CONFIG and the options after "--") on
#   each rank count.
# weak (--weak): the arrangement set grows with the ranks: arrangements.method
#   sample with arrangements.samples = N x ranks (N from --samples-per-rank,
#   default 10000), so the number of patterns P, and the convex work, grow
#   with the ranks.
#
# Run r goes to DIR/ranks-<r>/ (DIR default:
# results/scaling-<config>-<strong|weak>-<date>); its summary.yaml records
# run.ranks and the stage timings (timings.*). The runs are chained with
# --dependency=afterany so that they do not share the nodes and disturb each
# other's timings; --parallel submits them all at once. Prints the job ids.
# Then:  /usr/bin/python3 analysis/collect.py DIR
#
#   slurm/scaling.sh --ranks 1,2,4,8,16 config/q8-large-n.yaml --time=01:00:00 --account=me \
#       -- --set sgd.enabled=false
#
# Account, partition, time limit, nodes: sbatch options on the command line.
# CVXNN_DIST: the program (default: build/cvxnn-dist of this checkout).
set -euo pipefail

# die, here, CVXNN_DIST (absolute)
source "$(dirname "${BASH_SOURCE[0]}")/submit-common.sh"

mode=strong
ranks=1,2,4,8
per_rank=10000
out=""
chain=1
while [ $# -gt 0 ]; do
  case $1 in
    --weak) mode=weak ;;
    --strong) mode=strong ;;
    --ranks) ranks=${2:?--ranks needs a list}; shift ;;
    --ranks=*) ranks=${1#--ranks=} ;;
    --samples-per-rank) per_rank=${2:?--samples-per-rank needs a number}; shift ;;
    --samples-per-rank=*) per_rank=${1#--samples-per-rank=} ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    --out=*) out=${1#--out=} ;;
    --parallel) chain=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (the config file comes before the sbatch options)" ;;
    *) break ;;
  esac
  shift
done
[ $# -ge 1 ] || die "usage: $0 [--weak] [--ranks 1,2,4] [--samples-per-rank N] [--out DIR] CONFIG.yaml [sbatch options] [-- cvxnn-dist options]"
config=$1
shift
[ -f "$config" ] || die "config file '$config' not found"
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
case $per_rank in '' | *[!0-9]* | 0) die "--samples-per-rank '$per_rank' is not a positive number" ;; esac
IFS=', ' read -r -a rank_list <<< "$ranks"
[ ${#rank_list[@]} -ge 1 ] || die "--ranks: empty list"
for r in "${rank_list[@]}"; do
  case $r in '' | *[!0-9]* | 0) die "--ranks: '$r' is not a positive rank count" ;; esac
done
command -v sbatch >/dev/null || die "sbatch not found: is SLURM available here (module load slurm, or SLURM_CONF)?"

sbatch_opts=()
prog_opts=()
while [ $# -gt 0 ]; do
  if [ "$1" = -- ]; then
    shift
    prog_opts=("$@")
    break
  fi
  sbatch_opts+=("$1")
  shift
done

name=$(basename "$config")
name=${name%.yaml}
name=${name%.yml}
[ -n "$out" ] || out=results/scaling-$name-$mode-$(date +%Y%m%d-%H%M%S)
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
mkdir -p "$out"

prev=""
for r in "${rank_list[@]}"; do
  sets=(--set "output.dir=$out" --set "run.name=ranks-$r")
  if [ $mode = weak ]; then
    sets+=(--set arrangements.method=sample --set "arrangements.samples=$((per_rank * r))")
  fi
  dep=()
  [ $chain = 1 ] && [ -n "$prev" ] && dep=(--dependency="afterany:$prev")
  o=$(sbatch --parsable --ntasks="$r" --job-name="cvxnn-$mode-$r" --output="$out/ranks-$r.out" "${dep[@]}" \
    "${sbatch_opts[@]}" "$here/run.sbatch" "$config" "${prog_opts[@]}" "${sets[@]}") || die "sbatch failed for $r ranks"
  prev=${o%%;*}
  echo "$prev"
  echo "scaling: $mode, $r ranks: job $prev -> $out/ranks-$r" >&2
done
echo "scaling: when done: /usr/bin/python3 analysis/collect.py $out" >&2
