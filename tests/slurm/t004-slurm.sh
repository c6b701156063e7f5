#!/bin/bash
# End-to-end test of the SLURM scripts on a local one-node SLURM
# (slurm/local-cluster.sh, started in a temporary folder and stopped on exit,
# also on failure).
#
#   t004-slurm.sh sweep   SOURCE_ROOT CVXNN_DIST
#     submits jobs/slurm-smoke.yaml through slurm/submit-sweep.sh (array of
#     >= 4 tasks, 2 ranks each), waits, checks every task's summary and
#     state, runs analysis/collect.py and checks its table against the
#     summaries.
#   t004-slurm.sh scaling SOURCE_ROOT CVXNN_DIST
#     runs slurm/scaling.sh on 1 and 2 ranks through sbatch, checks each
#     run's summary (run.ranks, timings) and the collected table.
#   t004-slurm.sh stop SOURCE_ROOT CVXNN_DIST
#     submits slurm/run.sbatch, sends SIGUSR1 to its batch shell while SGD
#     runs and checks that the run stopped early with its results written
#     (exit code 3, run.stopped_by).
#
# Exit status 77 (skipped) when SLURM or munge is not installed, or, for the
# sweep, when the program does not run sweep tasks (--job).
set -uo pipefail

mode=${1:?mode}
src=$(cd "${2:?source root}" && pwd)
exe=${3:?path of cvxnn-dist}
export CVXNN_DIST=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")
py=/usr/bin/python3
[ -x $py ] || py=python3
deadline_s=${CVXNN_TEST_WAIT:-150}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "SKIP: $*" >&2
  exit 77
}

for p in munged slurmctld slurmd sbatch squeue scontrol; do
  command -v $p >/dev/null || skip "$p is not installed (Debian: slurm-wlm, munge)"
done
[ -x "$CVXNN_DIST" ] || fail "no program at $CVXNN_DIST"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cvxnn-t004.XXXXXX") || fail "mktemp"
export CVXNN_SLURM_DIR=$tmp/slurm
# A free port pair, so that a developer's own local cluster is not disturbed.
port=$($py -c '
import socket
for _ in range(50):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    finally:
        a.close(); b.close()
    print(p); break
') || fail "no free port"
export CVXNN_SLURM_PORT=$port
export SLURM_CONF=$CVXNN_SLURM_DIR/etc/slurm.conf

status=1
cleanup() {
  "$src/slurm/local-cluster.sh" stop >/dev/null 2>&1 || true
  if [ $status != 0 ] && [ $status != 77 ]; then
    for f in "$CVXNN_SLURM_DIR"/log/*.log "$tmp"/out/*.out "$tmp"/scaling/*.out; do
      [ -f "$f" ] || continue
      echo "---- $f (last lines)" >&2
      tail -n 25 "$f" >&2
    done
  fi
  rm -rf "$tmp"
}
trap 'status=$?; cleanup; exit $status' EXIT
trap 'exit 1' INT TERM

# Waits until none of the given jobs is pending or running.
wait_jobs() {
  local t0=$SECONDS left
  while :; do
    left=$(squeue -h -j "$(IFS=,; echo "$*")" -o %i 2>/dev/null | wc -l)
    [ "$left" = 0 ] && return 0
    [ $((SECONDS - t0)) -lt "$deadline_s" ] || {
      squeue >&2
      fail "jobs $* still queued or running after $deadline_s s"
    }
    sleep 1
  done
}

# JobState of a job (or array element "ID_K").
job_state() {
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n 's/^JobState=//p' | head -n 1
}

# The value of a dotted key ("convex.objective") in a summary file (empty
# when absent).
summary_value() {
  $py - "$1" "$2" <<'PYEOF'
import sys, yaml
node = yaml.safe_load(open(sys.argv[1]))
for part in sys.argv[2].split("."):
    node = node.get(part) if isinstance(node, dict) else None
print("" if node is None else node)
PYEOF
}

start_cluster() {
  "$src/slurm/local-cluster.sh" start > "$tmp/start.log" 2>&1 || {
    cat "$tmp/start.log" >&2
    fail "slurm/local-cluster.sh start failed"
  }
  "$src/slurm/local-cluster.sh" status >/dev/null || fail "local cluster not running after start"
}

mkdir -p "$tmp/out"
cd "$tmp" || fail "cd $tmp"

case $mode in
sweep)
  job=$src/jobs/slurm-smoke.yaml
  count=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "$CVXNN_DIST" --job "$job" --count 2>"$tmp/count.err")
  case $count in
    '' | *[!0-9]*) skip "the program does not run sweeps yet: '--job $job --count' gave '$count' $(head -c 300 "$tmp/count.err")" ;;
  esac
  [ "$count" -ge 4 ] || fail "slurm-smoke.yaml has $count tasks, want >= 4"
  start_cluster

  # Error paths of array.sbatch: not an array job; an index out of range.
  bad1=$(sbatch --parsable --output="$tmp/out/bad1.out" "$src/slurm/array.sbatch" "$job") || fail "sbatch bad1"
  bad2=$(sbatch --parsable --array="$count" --output="$tmp/out/bad2.out" "$src/slurm/array.sbatch" "$job") || fail "sbatch bad2"
  bad3=$(sbatch --parsable --array=0 --output="$tmp/out/bad3.out" "$src/slurm/array.sbatch" "$tmp/none.yaml") || fail "sbatch bad3"

  jobid=$("$src/slurm/submit-sweep.sh" "$job" --ntasks=2 --output="$tmp/out/cvxnn-%A_%a.out" \
    -- --set "output.dir=$tmp/results") || fail "submit-sweep.sh failed"
  jobid=$(echo "$jobid" | head -n 1)
  wait_jobs "${bad1%%;*}" "${bad2%%;*}" "${bad3%%;*}" "$jobid"

  grep -q "SLURM_ARRAY_TASK_ID is not set" "$tmp/out/bad1.out" || fail "array.sbatch outside an array: $(cat "$tmp/out/bad1.out")"
  grep -q "array index $count is out of range: the sweep '.*' has $count tasks" "$tmp/out/bad2.out" ||
    fail "array.sbatch out of range: $(cat "$tmp/out/bad2.out")"
  grep -q "job file '.*none.yaml' not found" "$tmp/out/bad3.out" || fail "array.sbatch missing job: $(cat "$tmp/out/bad3.out")"
  [ "$(job_state "${bad2%%;*}_$count")" = FAILED ] || fail "out-of-range element state $(job_state "${bad2%%;*}_$count")"

  res=$tmp/results/slurm-smoke
  width=${#count}
  for ((k = 0; k < count; k++)); do
    name=$(printf "task-%0${width}d" $k)
    st=$(job_state "${jobid}_$k")
    [ "$st" = COMPLETED ] || fail "array element $k: state '$st'; output: $(cat "$tmp/out/cvxnn-${jobid}_$k.out" 2>/dev/null)"
    [ -f "$res/$name/summary.yaml" ] || fail "task $k: no $res/$name/summary.yaml"
    [ "$(summary_value "$res/$name/summary.yaml" run.ranks)" = 2 ] || fail "task $k did not run on 2 ranks"
    [ "$(summary_value "$res/$name/summary.yaml" config.run.name)" = "$name" ] || fail "task $k: run.name"
    # The task's answer is right: a certified gap within its tolerance, and the
    # recovered network realizes the convex objective.
    $py - "$res/$name/summary.yaml" <<'PYEOF' || fail "task $k: summary not certified to its tolerance"
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
c, net = s["convex"], s["network"]
ok = (c["certified"] and c["converged"] and c["gap"] <= c["tol"] and c["lower_bound"] <= c["objective"]
      and abs(net["objective"] - c["objective"]) <= 1e-8 * c["objective"] and net["neurons"] >= 1)
if not ok:
    print("convex %s network %s" % (c, net))
sys.exit(0 if ok else 1)
PYEOF
  done

  $py "$src/analysis/collect.py" "$res" --quiet || fail "collect.py failed"
  $py - "$res" "$count" <<'PYEOF' || fail "collected table does not match the summaries"
import csv, os, sys, yaml
res, count = sys.argv[1], int(sys.argv[2])
def summary(path):
    """The summary's scalars by dotted key, as text."""
    out = {}
    def walk(node, prefix):
        for k, v in node.items():
            if isinstance(v, dict):
                walk(v, prefix + str(k) + ".")
            else:
                out[prefix + str(k)] = str(v)
    walk(yaml.safe_load(open(path)), "")
    return out
rows = list(csv.DictReader(open(os.path.join(res, "collected.csv"))))
bad = []
if len(rows) != count:
    bad.append("%d rows, want %d" % (len(rows), count))
betas, seeds = ["1.0e-4", "1.0e-3"], ["1", "2"]
for k, r in enumerate(rows):
    s = summary(os.path.join(res, r["task"], "summary.yaml"))
    if r["status"] != "done":
        bad.append("%s: status %s" % (r["task"], r["status"]))
    if r["task"] != "task-%d" % k:
        bad.append("row %d is %s" % (k, r["task"]))
    for col, key in [("objective", "convex.objective"), ("lower_bound", "convex.lower_bound"), ("gap", "convex.gap"),
                     ("network_objective", "network.objective"), ("time_total", "timings.total")]:
        if key in s and float(r[col]) != float(s[key]):
            bad.append("%s %s: table %s, summary %s" % (r["task"], col, r[col], s[key]))
    for col, key in [("P", "arrangements.count"), ("m_star", "network.neurons"), ("ranks", "run.ranks")]:
        if r[col] != s.get(key, ""):
            bad.append("%s %s: table %s, summary %s" % (r["task"], col, r[col], s.get(key)))
    for w in ("5", "15"):
        key = "sgd.widths.m%s.best_final_objective" % w
        if float(r["sgd_best_m" + w]) != float(s[key]):
            bad.append("%s sgd m%s" % (r["task"], w))
    if float(r["model.beta"]) != float(betas[k // 2]) or r["run.seed"] != seeds[k % 2]:
        bad.append("%s overrides beta %s seed %s" % (r["task"], r["model.beta"], r["run.seed"]))
    if int(r["P"] or 0) <= 0 or r["objective"] == "":
        bad.append("%s: no convex result" % r["task"])
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PYEOF
  ;;

scaling)
  start_cluster
  ids=$("$src/slurm/scaling.sh" --ranks 1,2 --out "$tmp/scaling" "$src/config/default.yaml" \
    -- --set sgd.epochs=200 --set sgd.trials=2 --set sgd.widths=[5] --set convex.tol=1e-4 \
    --set convex.time_limit=10 --set logging.level=quiet) || fail "scaling.sh failed"
  [ "$(echo "$ids" | wc -l)" = 2 ] || fail "scaling.sh printed '$ids', want two job ids"
  wait_jobs $ids
  for r in 1 2; do
    s=$tmp/scaling/ranks-$r/summary.yaml
    [ -f "$s" ] || fail "no summary for $r ranks; output: $(cat "$tmp/scaling/ranks-$r.out" 2>/dev/null)"
    [ "$(summary_value "$s" run.ranks)" = $r ] || fail "ranks-$r: run.ranks is '$(summary_value "$s" run.ranks)'"
    for t in load total; do
      [ -n "$(summary_value "$s" timings.$t)" ] || fail "ranks-$r: no timings.$t"
    done
  done
  $py "$src/analysis/collect.py" "$tmp/scaling" --quiet || fail "collect.py failed"
  $py - "$tmp/scaling/collected.csv" <<'PYEOF' || fail "scaling table"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ok = [r["task"] for r in rows] == ["ranks-1", "ranks-2"] and [r["ranks"] for r in rows] == ["1", "2"]
ok = ok and all(r["status"] == "done" and r["time_total"] != "" for r in rows)
if not ok:
    print("FAIL: table", rows)
sys.exit(0 if ok else 1)
PYEOF
  ;;
stop)
  # A run stopped early through the batch shell, as sbatch
  # --signal=B:USR1@T does before the time limit: run.sbatch passes SIGUSR1
  # on to mpirun, which forwards it to the ranks; the run writes its results
  # and exits with status 3.
  start_cluster
  cat > "$tmp/stop.yaml" <<'YAMLEOF'
run: {name: stop, seed: 3}
data: {source: synthetic, n_train: 20, n_test: 10, dim: 1, rule: norm}
model: {beta: 1.0e-3}
arrangements: {method: exact}
sgd: {widths: [5], trials: 2, optimizer: adam, lr: 1.0e-2, epochs: 100000000, record_every: 1000, ranks: 1}
YAMLEOF
  res=$tmp/results/stop
  jobid=$(sbatch --parsable --ntasks=2 --output="$tmp/out/stop.out" "$src/slurm/run.sbatch" "$tmp/stop.yaml" \
    --set "output.dir=$tmp/results") || fail "sbatch run.sbatch"
  jobid=${jobid%%;*}
  # the convex part is done (network.txt) and SGD runs: ask for the stop
  t0=$SECONDS
  until [ -f "$res/network.txt" ] && [ "$(job_state "$jobid")" = RUNNING ]; do
    [ $((SECONDS - t0)) -lt "$deadline_s" ] || fail "no network.txt after $deadline_s s; state $(job_state "$jobid")"
    sleep 0.5
  done
  sleep 1
  scancel --batch --signal=USR1 "$jobid" || fail "scancel --batch --signal=USR1 $jobid"
  wait_jobs "$jobid"
  grep -q "stop requested: SIGUSR1 to the ranks" "$tmp/out/stop.out" || fail "run.sbatch did not pass the signal on"
  code=$(scontrol show job -o "$jobid" | tr ' ' '\n' | sed -n 's/^ExitCode=//p')
  [ "$code" = "3:0" ] || fail "job exit code '$code', want 3:0 (stopped early)"
  [ "$(summary_value "$res/summary.yaml" run.stopped_by)" = SIGUSR1 ] ||
    fail "run.stopped_by is '$(summary_value "$res/summary.yaml" run.stopped_by)'"
  [ "$(summary_value "$res/summary.yaml" sgd.widths.m5.interrupted)" = 1 ] &&
    [ "$(summary_value "$res/summary.yaml" sgd.widths.m5.not_run)" = 1 ] ||
    fail "sgd jobs: $(cat "$res/sgd_results.csv")"
  [ "$(summary_value "$res/summary.yaml" convex.converged)" = True ] || fail "the convex part did not converge"
  ;;
*)
  fail "unknown mode '$mode'"
  ;;
esac
exit 0
