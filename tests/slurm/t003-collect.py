"""analysis/collect.py on hand-written run folders in the program's summary
format: one row per task in natural order, the varying config keys as
columns, exact numbers, empty cells for missing keys, a row for a task
without a summary, the status of a run stopped by a signal, and the exit
status for an empty or missing folder.

Argument: the path of analysis/collect.py."""
import csv
import importlib.util
import math
import os
import subprocess
import sys
import tempfile

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


SUMMARY = """# cvxnn-dist run summary
run:
  name: "{name}"
  version: "0.1.0"
  started: "2026-01-01T00:00:00Z"
  ranks: {ranks}
  stopped_by: {stopped}
data:
  description: "synthetic rule norm, dim 1, seed 1: 20 train # not a comment, \\"quoted\\""
  n_train: 20
arrangements:
  method: "exact"
  count: 40
  exact: true
convex:
  objective: {objective!r}
  lower_bound: 0.010163353190024024
  gap: .nan
  certified: false
  iterations: 6700
network:
  neurons: 20
  objective: 0.011672205693327326
  test_accuracy: 1
sgd:
  optimizer: "adam"
  widths:
    m5:
      width: 5
      best_final_objective: 4.4483526094724768
      below_lower_bound: null
    m15:
      width: 15
      best_final_objective: 3.6438046466059699
timings:
  load: 0.00035812199985230110
  convex_iterations: 1.0081029709988343
  total: 1.094822405999821
config:
  run:
    name: "{name}"
    seed: {seed}
  data:
    n_train: 20
    classes: [0, 1]
  model:
    beta: {beta}
  sgd:
    widths: [5, 15]
  output:
    dir: "results/sweep"
"""

PARTIAL = """run:
  name: "task-1"
  ranks: 2
config:
  run:
    name: "task-1"
    seed: 2
  data:
    n_train: 20
  model:
    beta: 0.0001
"""

CONFIG_ONLY = """# Resolved configuration
run:
  name: "task-2"
  seed: 3
data:
  n_train: 20
model:
  beta: 0.001
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def run(collect, *args):
    p = subprocess.run([sys.executable, collect] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    collect = sys.argv[1]
    with tempfile.TemporaryDirectory() as top:
        d = os.path.join(top, "sweep")
        s0 = SUMMARY.format(name="task-0", ranks=2, objective=0.011672205693327338, seed=1, beta=0.0001, stopped="null")
        s10 = SUMMARY.format(name="task-10", ranks=4, objective=0.5, seed=1, beta=0.001, stopped='"SIGUSR1"')
        write(os.path.join(d, "task-0", "summary.yaml"), s0)
        write(os.path.join(d, "task-10", "summary.yaml"), s10)
        write(os.path.join(d, "task-1", "summary.yaml"), PARTIAL)
        write(os.path.join(d, "task-2", "config.yaml"), CONFIG_ONLY)

        code, out, err = run(collect, d)
        check(code == 0, "exit status %d: %s" % (code, err))
        with open(os.path.join(d, "collected.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        names = [r["task"] for r in rows]
        check(names == ["task-0", "task-1", "task-2", "task-10"], "row order %s" % names)
        cols = list(rows[0].keys()) if rows else []
        check("model.beta" in cols and "run.seed" in cols, "override columns missing: %s" % cols)
        for c in ("run.name", "output.dir", "data.n_train", "sgd.widths"):
            check(c not in cols, "column %s does not vary but is shown" % c)
        for c in ("ranks", "P", "objective", "gap", "m_star", "sgd_best_m5", "sgd_best_m15", "time_total"):
            check(c in cols, "column %s missing" % c)
        check(cols.index("sgd_best_m5") < cols.index("sgd_best_m15"), "widths not in numeric order")
        r = {row["task"]: row for row in rows}
        if len(r) == 4:
            t0 = r["task-0"]
            check(t0["status"] == "done", "task-0 status %s" % t0["status"])
            check(float(t0["objective"]) == 0.011672205693327338, "task-0 objective %s" % t0["objective"])
            check(t0["P"] == "40" and t0["m_star"] == "20" and t0["ranks"] == "2", "task-0 P/m*/ranks")
            check(math.isnan(float(t0["gap"])), "task-0 gap %s" % t0["gap"])
            check(float(t0["sgd_best_m5"]) == 4.4483526094724768, "task-0 sgd m5 %s" % t0["sgd_best_m5"])
            check(float(t0["time_total"]) == 1.094822405999821, "task-0 total time %s" % t0["time_total"])
            check(float(t0["model.beta"]) == 1e-4 and t0["run.seed"] == "1", "task-0 overrides")
            t1 = r["task-1"]
            check(t1["status"] == "done" and t1["objective"] == "" and t1["sgd_best_m5"] == "" and t1["time_total"] == "",
                  "task-1 missing keys are not empty cells: %s" % t1)
            check(t1["ranks"] == "2" and t1["run.seed"] == "2", "task-1 values %s" % t1)
            t2 = r["task-2"]
            check(t2["status"] == "no summary" and t2["objective"] == "", "task-2 %s" % t2)
            check(float(t2["model.beta"]) == 1e-3 and t2["run.seed"] == "3", "task-2 config from config.yaml: %s" % t2)
            check(float(r["task-10"]["objective"]) == 0.5 and r["task-10"]["ranks"] == "4", "task-10 %s" % r["task-10"])
            check(r["task-10"]["status"] == "stopped by SIGUSR1", "task-10 status %s" % r["task-10"]["status"])
        with open(os.path.join(d, "collected.md")) as f:
            md = f.read().splitlines()
        check(len(md) == 6 and md[0].startswith("| task | status |"), "markdown table: %s" % md)
        check(out.splitlines() == md, "printed table differs from collected.md")

        # --keys adds a constant key; --csv/--md choose the files; --quiet prints nothing.
        csv2, md2 = os.path.join(top, "t.csv"), os.path.join(top, "t.md")
        code, out, err = run(collect, d, "--keys", "data.n_train", "--csv", csv2, "--md", md2, "--quiet")
        check(code == 0 and out == "", "--quiet run: %d %r" % (code, out))
        with open(csv2, newline="") as f:
            rows2 = list(csv.DictReader(f))
        check(rows2 and rows2[0].get("data.n_train") == "20", "--keys column: %s" % (rows2[0] if rows2 else None))
        check(os.path.isfile(md2), "--md file not written")

        # The reader agrees with a full YAML parser where one is installed.
        spec = importlib.util.spec_from_file_location("collect", collect)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        try:
            import yaml
        except ImportError:
            yaml = None
        if yaml is not None:
            a = mod.flatten(mod.parse_yaml(s0))
            b = mod.flatten(yaml.safe_load(s0))
            check(a.keys() == b.keys(), "keys differ from PyYAML: %s" % (set(a) ^ set(b)))
            for k in a:
                x, y = a[k], b.get(k)
                same = (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)) or x == y
                check(same, "%s: %r, PyYAML %r" % (k, x, y))
        check(mod.parse_scalar('"a\\x41\\n"') == "aA\n", "escapes")
        check(mod.parse_scalar("[[1, 2], [3]]") == [[1, 2], [3]], "nested flow list")
        check(mod.parse_scalar("-.inf") == float("-inf") and mod.parse_scalar("~") is None, "specials")

        # An empty folder and a missing one.
        empty = os.path.join(top, "empty")
        os.makedirs(empty)
        code, _, err = run(collect, empty)
        check(code == 1 and "no run folders" in err, "empty folder: %d %s" % (code, err))
        code, _, err = run(collect, os.path.join(top, "missing"))
        check(code == 2 and "not a folder" in err, "missing folder: %d %s" % (code, err))

    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
