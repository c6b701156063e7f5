#!/usr/bin/python3
"""End-to-end tests of the cvxnn-dist program: runs the real binary on small
problems and checks its exit status, its messages and the files it writes.

Usage: program.py BINARY CONFIG_DIR CASE
Each CASE is one meson test; it prints only on failure and exits non-zero.
"""
import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile

BIN, CONFIG_DIR, CASE = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
MPIEXEC = shutil.which("mpiexec") or "mpiexec"

# A small run: n = 20 samples on a line, exact arrangements, 2 widths x 2 trials.
SMALL = """
run: {name: small, seed: 3}
data: {source: synthetic, n_train: 20, n_test: 10, dim: 1, rule: norm}
model: {beta: 1.0e-3}
arrangements: {method: exact}
convex: {tol: 1.0e-6}
sgd: {widths: [5, 20], trials: 2, optimizer: adam, lr: 1.0e-2, epochs: 300, record_every: 5}
logging: {level: quiet}
"""


def fail(msg):
    print("FAIL [%s]: %s" % (CASE, msg))
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def run(args, np=1, cwd=None):
    cmd = [BIN] + args
    if np > 1:
        cmd = [MPIEXEC, "--oversubscribe", "-n", str(np)] + cmd
    p = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def read_yaml(path):
    """Reads the block-style YAML the program writes into a flat dict of
    dotted keys (enough for summary.yaml; lists are kept as text)."""
    out, stack = {}, []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            indent = len(line) - len(line.lstrip(" "))
            key, _, value = line.strip().partition(":")
            while stack and stack[-1][0] >= indent:
                stack.pop()
            value = value.strip()
            if value == "":
                stack.append((indent, key))
                continue
            full = ".".join([k for _, k in stack] + [key])
            if value.startswith('"'):
                value = value[1:-1]
            elif value in (".nan",):
                value = math.nan
            elif value in (".inf", "-.inf"):
                value = math.inf if value == ".inf" else -math.inf
            else:
                try:
                    value = int(value)
                except ValueError:
                    try:
                        value = float(value)
                    except ValueError:
                        pass
            out[full] = value
    return out


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read_rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def expect_input_error(args, needles, cwd, np=1):
    rc, out, err = run(args, np=np, cwd=cwd)
    check(rc == 2, "exit status %d (want 2) for %s; stderr: %s" % (rc, args, err))
    lines = [l for l in err.splitlines() if l.startswith("cvxnn-dist: error:")]
    check(len(lines) == 1, "want exactly one error line, got %r" % err)
    for n in needles:
        check(n in lines[0], "error %r does not mention %r" % (lines[0], n))
    return lines[0]


def case_help(tmp):
    rc, out, err = run(["--help"], cwd=tmp)
    check(rc == 0 and "--set SECTION.KEY=VALUE" in out and "Exit status" in out, "help text: %r" % out)
    rc, out, err = run(["--keys"], cwd=tmp)
    check(rc == 0 and "sgd.lr" in out and "model.beta" in out, "--keys output: %r" % out[:300])
    rc, out, err = run(["--version"], cwd=tmp)
    check(rc == 0 and out.startswith("cvxnn-dist "), "--version output %r" % out)
    expect_input_error(["--bogus", "x.yaml"], ["unknown option '--bogus'"], tmp)


def case_input_errors(tmp):
    cfg = os.path.join(tmp, "bad.yaml")
    write(cfg, "run:\n  name: x\n sgd: [\n")
    expect_input_error([cfg], ["bad.yaml:"], tmp)
    write(cfg, "run:\n  name: x\nsgd:\n  lrate: 0.1\n")
    expect_input_error([cfg], ["bad.yaml:4:", "sgd.lrate", "sgd.lr"], tmp)
    write(cfg, "sgd:\n  lr: fast\n")
    expect_input_error([cfg], ["bad.yaml:2:", "sgd.lr"], tmp)
    write(cfg, "data:\n  n_train: -5\n")
    expect_input_error([cfg], ["data.n_train"], tmp)
    expect_input_error([os.path.join(tmp, "missing.yaml")], ["missing.yaml"], tmp)
    write(cfg, "run: {name: csvrun}\ndata: {source: csv, path: %s/nope.csv}\n" % tmp)
    expect_input_error([cfg], ["nope.csv"], tmp)
    check(not os.path.exists(os.path.join(tmp, "results", "csvrun")), "a failed run left a results folder")
    # A NaN in a data file.
    write(os.path.join(tmp, "nan.csv"), "1.0,2.0,1\n0.5,nan,-1\n")
    write(cfg, "run: {name: nanrun}\ndata: {source: csv, path: %s/nan.csv}\n" % tmp)
    expect_input_error([cfg], ["nan.csv:2"], tmp)
    # The same error on every rank, one message, no hang.
    write(cfg, "run: {name: idxrun}\ndata: {source: idx, path: %s/nowhere}\n" % tmp)
    expect_input_error([cfg], ["nowhere"], tmp, np=3)
    # More SGD ranks than the world has.
    write(cfg, SMALL + "\n")
    expect_input_error([cfg, "--set", "sgd.ranks=2"], ["sgd.ranks"], tmp, np=2)


def small_run(tmp, name, np=1, extra=()):
    cfg = os.path.join(tmp, "small.yaml")
    write(cfg, SMALL)
    rc, out, err = run([cfg, "--set", "run.name=%s" % name] + list(extra), np=np, cwd=tmp)
    check(rc == 0, "run %s failed (%d): %s" % (name, rc, err))
    return os.path.join(tmp, "results", name)


def case_small_run(tmp):
    d = small_run(tmp, "one")
    for f in ["summary.yaml", "config.yaml", "convex_trace.csv", "sgd_trace.csv", "sgd_test.csv", "sgd_results.csv",
              "network.txt"]:
        check(os.path.isfile(os.path.join(d, f)), "missing %s" % f)
    check(not [f for f in os.listdir(d) if f.startswith(".")], "temporary files left: %s" % os.listdir(d))
    s = read_yaml(os.path.join(d, "summary.yaml"))
    check(s["arrangements.count"] == 40 and s["arrangements.exact"] == "true", "P = 2n = 40 exact patterns")
    check(s["convex.splitting"] == "cone", "splitting auto at d = 2 gave %r, not cone" % s["convex.splitting"])
    check(s["convex.certified"] == "true" and s["convex.gap"] <= 1e-6, "gap %s not certified to 1e-6" % s["convex.gap"])
    check(s["convex.lower_bound"] <= s["convex.objective"], "lower bound above objective")
    check(abs(s["network.objective"] - s["convex.objective"]) <= 1e-8 * s["convex.objective"],
          "network p1 %r vs convex %r" % (s["network.objective"], s["convex.objective"]))
    check(s["network.neurons"] >= 1, "no neurons recovered")
    check(s["sgd.jobs"] == 4, "sgd.jobs")
    # The BLAS kernels: named, and a replaced fallback differs from what ran.
    check(s.get("run.blas_core"), "run.blas_core missing or empty")
    check("run.blas_fallback" in s, "run.blas_fallback missing")
    fb = s.get("run.blas_fallback")
    check(fb == "" or str(fb).lower() != str(s.get("run.blas_core")).lower(),
          "blas_fallback %r equals the kernels used %r" % (fb, s.get("run.blas_core")))
    # The theory's guarantee: with every arrangement, no SGD iterate goes below the certified bound.
    lb = s["convex.lower_bound"]
    rows = read_rows(os.path.join(d, "sgd_trace.csv"))
    check(len(rows) > 0, "empty SGD trace")
    low = min(float(r["objective"]) for r in rows)
    check(low >= lb * (1 - 1e-12), "an SGD iterate (%r) is below the certified lower bound %r" % (low, lb))
    trace = read_rows(os.path.join(d, "convex_trace.csv"))
    check(len(trace) > 0 and set(trace[0]) >= {"iteration", "objective", "lower_bound", "rho"}, "convex trace columns")
    # The resolved config reruns to the same optimum.
    rc, out, err = run([os.path.join(d, "config.yaml"), "--set", "run.name=again"], cwd=tmp)
    check(rc == 0, "rerun of config.yaml failed: %s" % err)
    s2 = read_yaml(os.path.join(tmp, "results", "again", "summary.yaml"))
    check(abs(s2["convex.objective"] - s["convex.objective"]) <= 1e-12 * s["convex.objective"], "rerun differs")
    # A finished run is never overwritten by accident.
    before = open(os.path.join(d, "summary.yaml")).read()
    expect_input_error([os.path.join(tmp, "small.yaml"), "--set", "run.name=one"], ["already holds a finished run"], tmp)
    check(open(os.path.join(d, "summary.yaml")).read() == before, "summary.yaml changed")


def case_lmvm(tmp):
    """TAO's LMVM, the strong local-search baseline, against the certified
    bound of the exact program: it stops at a stationary point whose
    objective, like every iterate's, is at least the lower bound."""
    d = small_run(tmp, "lmvm", extra=["--set", "sgd.optimizer=lmvm", "--set", "sgd.epochs=3000",
                                      "--set", "sgd.gatol=1e-6", "--set", "sgd.widths=[20, 40]"])
    s = read_yaml(os.path.join(d, "summary.yaml"))
    lb = s["convex.lower_bound"]
    check(s["convex.certified"] == "true" and s["convex.bound_scope"] == "global", "no global bound")
    rows = read_rows(os.path.join(d, "sgd_trace.csv"))
    check(len(rows) > 10, "LMVM trace too short")
    low = min(float(r["objective"]) for r in rows)
    check(low >= lb * (1 - 1e-12), "an LMVM iterate (%r) is below the certified lower bound %r" % (low, lb))
    res = read_rows(os.path.join(d, "sgd_results.csv"))
    check(len(res) == 4 and all(r["status"] in ("converged", "stopped", "completed") for r in res),
          "LMVM job statuses %s" % [r["status"] for r in res])
    check(all(float(r["objective"]) >= lb * (1 - 1e-12) for r in res), "an LMVM result is below the bound")


def sgd_rows(d):
    rows = read_rows(os.path.join(d, "sgd_trace.csv"))
    return sorted((r["width"], r["trial"], r["iteration"], r["epoch"], r["objective"], r["accuracy"]) for r in rows)


def case_ranks(tmp):
    # Asked for a 1e-9 gap, the second stage (an exact solve on the support)
    # ends every run within about 1e-10 of the optimum whatever the rank count;
    # the solver's own test (tests/convex/t004-ranks.c) holds it to 1e-10.
    tight = ["--set", "convex.tol=1e-9", "--set", "output.arrangements=true"]
    ref = small_run(tmp, "np1", extra=tight)
    s1 = read_yaml(os.path.join(ref, "summary.yaml"))
    rows1 = sgd_rows(ref)
    patterns1 = open(os.path.join(ref, "arrangements.txt")).read()
    for np, sgd_ranks in [(2, 1), (4, 2), (3, 0), (4, 0)]:
        d = small_run(tmp, "np%d-s%d" % (np, sgd_ranks), np=np, extra=tight + ["--set", "sgd.ranks=%d" % sgd_ranks])
        check(open(os.path.join(d, "arrangements.txt")).read() == patterns1,
              "-n %d: the pattern set differs from -n 1" % np)
        s = read_yaml(os.path.join(d, "summary.yaml"))
        check(s["run.ranks"] == np, "ranks recorded")
        rel = abs(s["convex.objective"] - s1["convex.objective"]) / s1["convex.objective"]
        check(rel <= 1e-9, "-n %d: convex objective differs by %g relative" % (np, rel))
        check(sgd_rows(d) == rows1, "-n %d (sgd.ranks %d): SGD traces differ from -n 1" % (np, sgd_ranks))


def case_plot(tmp):
    """The plotting tool on a real small results folder: the PNG exists and
    the series it plots are the ones in the CSV files and the summary."""
    d = small_run(tmp, "plotme")
    analysis = os.path.join(os.path.dirname(CONFIG_DIR.rstrip("/")), "analysis")
    sys.path.insert(0, analysis)
    import numpy as np
    import plot_run
    from results import Run

    png = os.path.join(tmp, "fig.png")
    rep = os.path.join(tmp, "report.md")
    check(plot_run.main([d, "-o", png, "--report", rep]) == 0, "plot_run failed")
    check(os.path.getsize(png) > 10000, "figure too small")
    with open(png, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG")
    text = open(rep).read()
    s = read_yaml(os.path.join(d, "summary.yaml"))
    check(("%.6g" % s["convex.objective"]) in text, "report lacks the convex objective")

    run = Run(d)
    fig = plot_run.make_figure([run])
    ax_obj = fig.axes[0]
    rows = read_rows(os.path.join(d, "sgd_trace.csv"))
    lines = {l.get_label(): l for l in ax_obj.lines}
    for w, t in [(5, 0), (5, 1), (20, 0), (20, 1)]:
        line = lines.get("m=%d trial %d" % (w, t))
        check(line is not None, "no line for m=%d trial %d" % (w, t))
        want = [(float(r["iteration"]), float(r["objective"])) for r in rows
                if int(r["width"]) == w and int(r["trial"]) == t]
        got = list(zip(np.asarray(line.get_xdata(), float).tolist(), np.asarray(line.get_ydata(), float).tolist()))
        check(got == want, "plotted SGD series m=%d trial %d differs from sgd_trace.csv" % (w, t))
    hl = [l for l in ax_obj.lines if l.get_label().startswith("convex optimum")]
    check(len(hl) == 1 and float(hl[0].get_ydata()[0]) == s["convex.objective"], "optimum line")
    lb = [l for l in ax_obj.lines if l.get_label().startswith("certified lower bound")]
    check(len(lb) == 1 and float(lb[0].get_ydata()[0]) == s["convex.lower_bound"], "lower-bound line")
    ct = read_rows(os.path.join(d, "convex_trace.csv"))
    admm = [l for l in fig.axes[1].lines if l.get_label() == "ADMM objective"]
    check(len(admm) == 1 and np.asarray(admm[0].get_ydata(), float).tolist() == [float(r["objective"]) for r in ct],
          "ADMM trace series")
    # A solve by column generation (no ADMM iteration): its rows go against seconds.
    d3 = small_run(tmp, "plotcg", extra=["--set", "convex.column_generation=on"])
    s3 = read_yaml(os.path.join(d3, "summary.yaml"))
    check(s3["convex.column_generation"] == "true" and s3["convex.iterations"] == 0 and s3["convex.column_rounds"] >= 1,
          "column generation run: %s, %s iterations" % (s3["convex.column_generation"], s3["convex.iterations"]))
    ct3 = read_rows(os.path.join(d3, "convex_trace.csv"))
    fig3 = plot_run.make_figure([Run(d3)])
    cg = [l for l in fig3.axes[1].lines if l.get_label() == "column generation objective"]
    check(len(cg) == 1 and np.asarray(cg[0].get_xdata(), float).tolist() == [float(r["time"]) for r in ct3] and
          fig3.axes[1].get_xlabel() == "seconds", "column generation trace against seconds")
    # Overlay of two folders: both runs' series appear, labelled by run.
    d2 = small_run(tmp, "plotme2", extra=["--set", "arrangements.method=sample", "--set", "arrangements.samples=10"])
    fig = plot_run.make_figure([Run(d), Run(d2)])
    labels = [l.get_label() for l in fig.axes[0].lines]
    check(any(l.startswith("plotme m=5") for l in labels) and any(l.startswith("plotme2 m=5") for l in labels),
          "overlay labels %s" % labels[:6])
    check(plot_run.main([d, os.path.join(tmp, "nonexistent")]) == 2, "a missing folder is not an error")


# More columns than samples (d = 41 > n = 24): solved in the row space of X.
WIDE = """
run: {name: wide, seed: 5}
data: {source: synthetic, n_train: 24, n_test: 10, dim: 40, rule: norm}
model: {beta: 1.0e-3}
arrangements: {method: sample, samples: 60}
convex: {tol: 1.0e-6}
sgd: {enabled: false}
logging: {level: quiet}
"""


def case_wide(tmp):
    """The network of a d > n run has its d = 41 input weights per neuron
    (solved on the 24 columns of the row space, where auto picks the cone
    splitting; the slack splitting forced once), realizes the certified
    objective through the ReLU on the data, and the certified intervals of
    every run overlap."""
    cfg = os.path.join(tmp, "wide.yaml")
    write(cfg, WIDE)
    objs = []
    for np, split in [(1, None), (2, None), (1, "slack")]:
        name = "wide%d%s" % (np, split or "")
        extra = ["--set", "convex.splitting=%s" % split] if split else []
        rc, out, err = run([cfg, "--set", "run.name=%s" % name] + extra, np=np, cwd=tmp)
        check(rc == 0, "%s: wide run failed (%d): %s" % (name, rc, err))
        d = os.path.join(tmp, "results", name)
        s = read_yaml(os.path.join(d, "summary.yaml"))
        check(s["data.d"] == 41, "d recorded as %r" % s["data.d"])
        want = split or "cone"
        check(s["convex.splitting"] == want, "%s: splitting %r, not %s" % (name, s["convex.splitting"], want))
        check(s["convex.certified"] == "true" and s["convex.gap"] <= 1e-6, "%s: gap %r" % (name, s["convex.gap"]))
        check(abs(s["network.objective"] - s["convex.objective"]) <= 1e-8 * s["convex.objective"],
              "%s: network p1 %r vs convex %r" % (name, s["network.objective"], s["convex.objective"]))
        lines = [l.split() for l in open(os.path.join(d, "network.txt")) if l.strip() and not l.startswith("#")]
        m = s["network.neurons"]
        check(m >= 1 and lines[0] == [str(m), "41"], "network header %r for %r neurons" % (lines[0], m))
        check(len(lines) == m + 1 and all(len(l) == 42 for l in lines[1:]),
              "network rows: %s" % sorted(set(len(l) for l in lines[1:])))
        objs.append((s["convex.lower_bound"], s["convex.objective"]))
    # separate solves of the same optimum differ by rounding: 1e-12 relative
    check(max(o[0] for o in objs) <= min(o[1] for o in objs) * (1 + 1e-12), "certified intervals %r" % objs)


def case_progress(tmp):
    """Progress lines on stderr: the iterations' lines and, while a second
    stage runs, lines from its Newton steps, those of a long exact
    enumeration and of a long setup; none at level quiet."""
    cfg = os.path.join(tmp, "small.yaml")
    write(cfg, SMALL)
    base = [cfg, "--set", "sgd.enabled=false", "--set", "logging.progress_interval=1e-9"]
    rc, out, err = run(base + ["--set", "run.name=normal", "--set", "logging.level=normal"], cwd=tmp)
    check(rc == 0, "run failed (%d): %s" % (rc, err))
    lines = err.splitlines()
    its = [l for l in lines if l.startswith("convex: it ")]
    newton = [l for l in lines if l.startswith("convex: second stage round 0: Newton step ")]
    check(len(its) >= 10, "want a progress line per iteration at interval 1e-9, got %d" % len(its))
    check(len(newton) >= 5, "want the second stage's Newton steps on stderr, got %r" % newton)
    first = newton[0]
    for needle in ["Newton step 1,", "80 blocks", "barrier gap", "target", "the attempt stops in"]:
        check(needle in first, "second-stage line %r lacks %r" % (first, needle))
    rc, out, err = run(base + ["--set", "run.name=quiet", "--set", "logging.level=quiet"], cwd=tmp)
    check(rc == 0, "quiet run failed (%d): %s" % (rc, err))
    check(not [l for l in err.splitlines() if l.startswith("convex:")], "lines at level quiet: %r" % err)
    # an exact enumeration of data of rank 3 (n = 150: 11,175 pairs of rows)
    # reports its progress, except at level quiet
    enum = base + ["--set", "data.n_train=150", "--set", "data.dim=2", "--set", "convex.max_iter=3",
                   "--set", "convex.polish=false"]
    for level in ["normal", "quiet"]:
        rc, out, err = run(enum + ["--set", "run.name=enum-" + level, "--set", "logging.level=" + level], cwd=tmp)
        check(rc == 0, "enumeration run (%s) failed (%d): %s" % (level, rc, err))
        got = [l for l in err.splitlines() if l.startswith("arrangements: exact enumeration ")]
        if level == "normal":
            check(got and "of rank 0's 11175 pairs of rows" in got[0] and "s left" in got[0],
                  "want the enumeration's progress lines, got %r" % got)
        else:
            check(not got, "enumeration lines at level quiet: %r" % got)
    # from n = 4000 on the setup, which takes minutes at larger n, is
    # announced and its time reported
    rc, out, err = run(base + ["--set", "run.name=setup", "--set", "logging.level=normal", "--set", "data.n_train=4000",
                               "--set", "convex.max_iter=2", "--set", "convex.polish=false"], cwd=tmp)
    check(rc == 0, "setup run failed (%d): %s" % (rc, err))
    lines = err.splitlines()
    start = [k for k, l in enumerate(lines) if l.startswith("convex: setting up the n x n coupling system (n = 4000,")]
    done = [k for k, l in enumerate(lines) if l.startswith("convex: setup done in ")]
    first = [k for k, l in enumerate(lines) if l.startswith("convex: it ")]
    check(start and done and first and start[0] < done[0] < first[0],
          "want the setup's two lines before the first iteration's, got %r" % lines[:8])


def stop_during_sgd(args, d, tmp, sig):
    """Starts the program with args, waits (up to 120 s) until d holds
    network.txt (the convex part is done, SGD runs) and sends sig. Returns
    whether the run was still going at the signal and its exit code."""
    import time
    p = subprocess.Popen([BIN] + args, cwd=tmp, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None and not os.path.exists(os.path.join(d, "network.txt")):
        time.sleep(0.05)
    time.sleep(0.5)  # the first SGD job has started
    running = p.poll() is None
    p.send_signal(sig)
    try:
        p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    return running, p.returncode


def case_stopped(tmp):
    """SIGTERM during the SGD part (as a batch system's time limit sends)
    stops it early: the job running ends "interrupted", the jobs after it
    are "not_run", every file is written whole and the summary says what
    stopped the run; exit status 3. A run killed outright (SIGKILL) keeps
    the certified network and the convex trace, whole, and has no summary
    (it is not a finished run); one that was overwriting a finished run has
    no summary either (not the old one beside new files, also when the only
    new file is the arrangement file), while one that failed before writing
    a file keeps the old run whole."""
    import signal
    cfg = os.path.join(tmp, "small.yaml")
    write(cfg, SMALL)
    d = os.path.join(tmp, "results", "stopped")
    long_sgd = [cfg, "--set", "run.name=stopped", "--set", "sgd.epochs=100000000"]
    running, rc = stop_during_sgd(long_sgd, d, tmp, signal.SIGTERM)
    check(running, "the run ended (%r) before its SGD part could be stopped" % rc)
    check(rc == 3, "a run stopped by SIGTERM exited with %r, not 3" % rc)
    check(not [f for f in os.listdir(d) if f.startswith(".")], "temporary files left: %s" % os.listdir(d))
    s = read_yaml(os.path.join(d, "summary.yaml"))
    check(s["run.stopped_by"] == "SIGTERM", "run.stopped_by = %r" % s.get("run.stopped_by"))
    check(s["convex.stop_reason"] == "converged" and s["convex.gap"] <= 1e-6, "the convex part before the signal")
    res = read_rows(os.path.join(d, "sgd_results.csv"))
    status = [(int(r["width"]), int(r["trial"]), r["status"]) for r in res]
    check(status == [(5, 0, "interrupted"), (5, 1, "not_run"), (20, 0, "not_run"), (20, 1, "not_run")],
          "sgd_results.csv statuses %r" % status)
    check(int(res[0]["iterations"]) > 0 and math.isfinite(float(res[0]["objective"])), "interrupted job %r" % res[0])
    check(all(int(r["iterations"]) == 0 and r["objective"] == "nan" for r in res[1:]), "not-run jobs %r" % res[1:])
    check(s["sgd.widths.m5.trials"] == 1 and s["sgd.widths.m5.interrupted"] == 1 and s["sgd.widths.m5.not_run"] == 1,
          "summary of width 5: %r" % {k: v for k, v in s.items() if k.startswith("sgd.widths.m5")})
    check(s["sgd.widths.m5.best_final_objective"] == float(res[0]["objective"]), "width 5's statistics")
    check(s["sgd.widths.m20.trials"] == 0 and s["sgd.widths.m20.not_run"] == 2 and
          all(math.isnan(s["sgd.widths.m20." + k]) for k in ("best_final_objective", "median_final_objective",
                                                               "best_gap_to_convex", "median_gap_to_convex")),
          "summary of width 20: %r" % {k: v for k, v in s.items() if k.startswith("sgd.widths.m20")})
    trace = read_rows(os.path.join(d, "sgd_trace.csv"))
    last = [r for r in trace if r["width"] == "5" and r["trial"] == "0"][-1]
    check(last["iteration"] == res[0]["iterations"], "the trace ends at %s, the result at %s" %
          (last["iteration"], res[0]["iterations"]))

    shutil.rmtree(d)
    running, rc = stop_during_sgd(long_sgd, d, tmp, signal.SIGKILL)
    check(running and rc == -signal.SIGKILL, "the run ended (%r) before it could be killed" % rc)
    check(not os.path.exists(os.path.join(d, "summary.yaml")), "a killed run wrote summary.yaml")
    check(os.path.exists(os.path.join(d, "network.txt")), "no network.txt within 120 s while SGD ran")
    lines = [l.split() for l in open(os.path.join(d, "network.txt")) if l.strip() and not l.startswith("#")]
    check(len(lines) >= 2 and len(lines[0]) == 2, "network.txt header %r" % (lines[:1],))
    m, dd = int(lines[0][0]), int(lines[0][1])
    check(dd == 2 and len(lines) == m + 1 and all(len(l) == 3 for l in lines[1:]),
          "network.txt of %d rows for m = %d, d = %d" % (len(lines) - 1, m, dd))
    rows = list(csv.reader(open(os.path.join(d, "convex_trace.csv"))))
    check(len(rows) >= 2 and rows[0][0] == "iteration", "convex_trace.csv %r" % rows[:2])

    overwrite = ["--set", "output.overwrite=true"]
    rc, out, err = run([cfg, "--set", "run.name=stopped", "--set", "sgd.enabled=false"] + overwrite, cwd=tmp)
    check(rc == 0 and os.path.exists(os.path.join(d, "summary.yaml")), "finished run failed (%d): %s" % (rc, err))
    check(read_yaml(os.path.join(d, "summary.yaml"))["run.stopped_by"] == "null", "a finished run's stopped_by")
    # an overwriting run that fails before it writes a file leaves the old
    # run whole (exact arrangements of rank-6 data: an input error)
    rc, out, err = run([cfg, "--set", "run.name=stopped", "--set", "data.dim=5"] + overwrite, cwd=tmp)
    check(rc != 0 and "rank at most 3" in err, "rank-6 exact run: %d, %s" % (rc, err))
    check(os.path.exists(os.path.join(d, "summary.yaml")), "a failed overwriting run removed the old summary")
    os.remove(os.path.join(d, "network.txt"))
    running, rc = stop_during_sgd(long_sgd + overwrite, d, tmp, signal.SIGKILL)
    check(running and os.path.exists(os.path.join(d, "network.txt")), "the overwriting run was not killed in SGD")
    check(not os.path.exists(os.path.join(d, "summary.yaml")), "the old summary.yaml stayed beside the new files")

    # the same when the first file replaced is the arrangement file
    # (output.arrangements), killed during the convex solve that follows it
    import time
    rc, out, err = run([cfg, "--set", "run.name=stopped", "--set", "sgd.enabled=false"] + overwrite, cwd=tmp)
    check(rc == 0 and os.path.exists(os.path.join(d, "summary.yaml")), "finished run failed (%d): %s" % (rc, err))
    long_cfg = os.path.join(tmp, "long.yaml")
    write(long_cfg, LONG_CONVEX)
    args = [long_cfg, "--set", "run.name=stopped", "--set", "sgd.enabled=false", "--set", "sgd.ranks=0",
            "--set", "output.arrangements=true"] + overwrite
    p = subprocess.Popen([BIN] + args, cwd=tmp, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, arr = time.time() + 120, []
    while time.time() < deadline and p.poll() is None and not arr:
        time.sleep(0.05)
        arr = [f for f in os.listdir(d) if f in ("arrangements.txt", "arrangements.bin")]
    running = p.poll() is None
    p.kill()
    p.wait()
    check(running and arr, "the run with output.arrangements ended (%r) before its arrangement file" % p.returncode)
    check(not os.path.exists(os.path.join(d, "summary.yaml")), "the old summary.yaml stayed beside %s" % arr)

    # SIGTERM during a long exact enumeration (n = 2000 of rank 3: about a
    # minute) ends it: no convex solve, the SGD jobs not run, a summary
    args = [cfg, "--set", "run.name=enumeration", "--set", "data.n_train=2000", "--set", "data.dim=2",
            "--set", "logging.level=normal"]
    p = subprocess.Popen([BIN] + args, cwd=tmp, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # the run folder appears once the data are loaded (the handlers are in
    # place by then); the enumeration starts right after
    deadline = time.time() + 60
    folder = os.path.join(tmp, "results", "enumeration")
    while time.time() < deadline and p.poll() is None and not os.path.isdir(folder):
        time.sleep(0.05)
    time.sleep(1)
    running = p.poll() is None
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail("the enumeration did not stop within 60 s of SIGTERM")
    check(running and p.returncode == 3, "exit status %r (want 3): %s" % (p.returncode, err[-2000:]))
    check("stop requested during the exact enumeration" in err, "no stop line: %s" % err[-2000:])
    s = read_yaml(os.path.join(tmp, "results", "enumeration", "summary.yaml"))
    check(s["run.stopped_by"] == "SIGTERM" and "convex.objective" not in s and s["sgd.widths.m5.not_run"] == 2,
          "summary of a run stopped in its enumeration: %r" % s)


LONG_CONVEX = """
run: {name: interrupted, seed: 5}
data: {source: synthetic, n_train: 1000, n_test: 0, dim: 10, rule: norm}
model: {beta: 1.0e-4}
arrangements: {method: sample, samples: 2000}
convex: {tol: 1.0e-12, time_limit: 300}
sgd: {widths: [5], trials: 2, optimizer: adam, lr: 1.0e-2, epochs: 100000000, record_every: 100, ranks: 1}
logging: {level: normal, progress_interval: 1}
"""


def interrupt_mpirun(tmp, name, sig, env):
    """Runs LONG_CONVEX as run `name` under mpirun on 3 ranks (a convex pool
    of two, one SGD rank), sends sig to mpirun once the convex trace has
    rows, and returns the exit status, stderr and the summary."""
    import glob
    import time
    cfg = os.path.join(tmp, "long.yaml")
    write(cfg, LONG_CONVEX)
    d = os.path.join(tmp, "results", name)
    p = subprocess.Popen([MPIEXEC, "--oversubscribe", "-n", "3", BIN, cfg, "--set", "run.name=" + name], cwd=tmp,
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline, rows = time.time() + 240, 0
    while time.time() < deadline and p.poll() is None and rows < 3:
        time.sleep(0.1)
        for f in glob.glob(os.path.join(d, ".convex_trace.csv.*.tmp")):
            with open(f) as fh:
                rows = max(rows, sum(1 for _ in fh))
    running = p.poll() is None
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        fail("no exit within 120 s of %s: %s" % (sig, err[-2000:]))
    check(running, "the run ended (%r) before the signal: %s" % (p.returncode, err[-2000:]))
    check(os.path.isfile(os.path.join(d, "summary.yaml")), "no summary after %s: %s" % (sig, err[-2000:]))
    check(not [f for f in os.listdir(d) if f.startswith(".")], "temporary files left: %s" % os.listdir(d))
    s = read_yaml(os.path.join(d, "summary.yaml"))
    check(s["convex.stop_reason"] == "interrupted" and s["convex.ranks"] == 2, "convex part %r" %
          {k: v for k, v in s.items() if k.startswith("convex.")})
    check(s["convex.certified"] == "true" and s["convex.lower_bound"] <= s["convex.objective"], "not certified")
    check(abs(s["network.objective"] - s["convex.objective"]) <= 1e-8 * s["convex.objective"], "network p1")
    check(s["sgd.widths.m5.interrupted"] == 1 and s["sgd.widths.m5.not_run"] == 1, "sgd part")
    trace = read_rows(os.path.join(d, "convex_trace.csv"))
    check(int(trace[-1]["iteration"]) == s["convex.iterations"], "the trace ends at iteration %s of %s" %
          (trace[-1]["iteration"], s["convex.iterations"]))
    return p.returncode, err, s


def case_interrupted(tmp):
    """SIGUSR1 to mpirun (forwarded to every rank) while the convex pool of
    two ranks iterates and a third rank runs SGD: the ranks stop together
    at one iteration, the point they have is certified, and every file is
    written; exit status 3. SIGTERM to mpirun does the same when Open MPI
    waits long enough before its SIGKILL (odls_base_sigkill_timeout, as
    the SLURM scripts set it)."""
    import signal
    rc, err, s = interrupt_mpirun(tmp, "interrupted", signal.SIGUSR1, ENV)
    check(rc == 3, "exit status %r, not 3: %s" % (rc, err[-2000:]))
    check("stopped early by SIGUSR1" in err, "no stop line on stderr: %s" % err[-2000:])
    check(s["run.stopped_by"] == "SIGUSR1", "run.stopped_by = %r" % s.get("run.stopped_by"))
    check(s["timings.sgd"] > 0 and s["sgd.time"] > 0, "the SGD pool's time is %r" % s["sgd.time"])
    # (mpirun then waits that long, even when the ranks end sooner)
    env = dict(ENV, OMPI_MCA_odls_base_sigkill_timeout="10")
    rc, err, s = interrupt_mpirun(tmp, "terminated", signal.SIGTERM, env)
    check(rc != 0, "mpirun exited with 0 after SIGTERM")
    check(s["run.stopped_by"] == "SIGTERM", "run.stopped_by = %r" % s.get("run.stopped_by"))


CASES = {
    "stopped": case_stopped,
    "interrupted": case_interrupted,
    "progress": case_progress,
    "wide": case_wide,
    "plot": case_plot,
    "lmvm": case_lmvm,
    "help": case_help,
    "input-errors": case_input_errors,
    "small-run": case_small_run,
    "ranks": case_ranks,
}

if __name__ == "__main__":
    if CASE not in CASES:
        fail("unknown case")
    tmp = tempfile.mkdtemp(prefix="cvxnn-test-")
    try:
        CASES[CASE](tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
