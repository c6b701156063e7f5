#!/usr/bin/python3
"""Plot one or several cvxnn-dist results folders as the study's figure.

    python3 analysis/plot_run.py results/q7-small-n [more folders] [-o figure.png] [--report report.md]

Panels: training objective against iteration (log scale) for every SGD
trial, with horizontal lines for the convex optimum and its certified lower
bound (solid for the exact program, dashed for a sampled one); the convex
solver's trace (objective and lower bound against ADMM iteration, or against
seconds for a solve by column generation); training accuracy;
test objective and test accuracy against epoch. Several folders (for example
all widths of an array job, or the exact and the approximate program of
question 8) are overlaid, each with its own colour family. A one-page
markdown report of the summary numbers goes next to the figure.
"""
import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import Run, finite  # noqa: E402

CMAPS = ["tab10", "Dark2", "Set1", "Set2"]


def label_of(run, many):
    return run.name if many else ""


def make_figure(runs):
    """Builds the figure for a list of Run objects and returns it. Every
    plotted series carries a label naming its run, width and trial, so the
    plotted data can be traced back to the CSV files."""
    fig, axes = plt.subplots(2, 3, figsize=(18, 10))
    ax_obj, ax_admm, ax_acc = axes[0]
    ax_tobj, ax_tacc, ax_final = axes[1]
    many = len(runs) > 1
    time_axis = False
    for r_i, run in enumerate(runs):
        cmap = plt.get_cmap(CMAPS[r_i % len(CMAPS)])
        prefix = (run.name + " ") if many else ""
        jobs = run.jobs()
        widths = sorted(set(w for w, _ in jobs))
        for j_i, (w, t) in enumerate(jobs):
            color = cmap(widths.index(w) % 10)
            rows = run.job_rows(run.sgd_trace, w, t)
            lab = "%sm=%d trial %d" % (prefix, w, t)
            ax_obj.plot(rows["iteration"], rows["objective"], color=color, lw=1, alpha=0.8, label=lab)
            if np.any(np.isfinite(rows["accuracy"])):
                ax_acc.plot(rows["iteration"], rows["accuracy"], color=color, lw=1, alpha=0.8, label=lab)
            if run.sgd_test:
                trows = run.job_rows(run.sgd_test, w, t)
                ax_tobj.plot(trows["epoch"], trows["objective"], color=color, lw=1, alpha=0.8, label=lab)
                if np.any(np.isfinite(trows["accuracy"])):
                    ax_tacc.plot(trows["epoch"], trows["accuracy"], color=color, lw=1, alpha=0.8, label=lab)
        p0 = run.get("convex.objective")
        lb = run.get("convex.lower_bound")
        scope = run.get("convex.bound_scope", "")
        style = "-" if scope == "global" else "--"
        kind = "exact" if scope == "global" else "approx."
        if finite(p0):
            ax_obj.axhline(p0, color="black", ls=style, lw=2, label="%sconvex optimum (%s) %.4g" % (prefix, kind, p0))
        if finite(lb) and lb > 0:
            ax_obj.axhline(lb, color="grey", ls=":", lw=2, label="%scertified lower bound %.4g" % (prefix, lb))
        ct = run.convex_trace
        if ct:
            # a solve by column generation takes no ADMM iteration: its rows
            # (one per round, iteration 0) go against time
            xcol = "iteration"
            if run.get("convex.column_generation") in (True, "true") or len(np.unique(ct["iteration"])) < 2:
                xcol, time_axis = "time", True
            what = "ADMM objective" if xcol == "iteration" else "column generation objective"
            ax_admm.plot(ct[xcol], ct["objective"], color=cmap(0), lw=1.5, label=prefix + what)
            ok = np.isfinite(ct["lower_bound"]) & (ct["lower_bound"] > 0)
            if np.any(ok):
                ax_admm.plot(ct[xcol][ok], ct["lower_bound"][ok], color=cmap(1), lw=1.5, ls="--",
                             marker=".", label=prefix + "certified lower bound")
        if run.sgd_results:
            res = run.sgd_results
            ax_final.scatter(res["width"], res["objective"], color=cmap(0), s=18, label=prefix + "SGD final objective")
            if finite(p0):
                ax_final.axhline(p0, color="black", ls=style, lw=1.5, label="%sconvex optimum (%s)" % (prefix, kind))
    ax_obj.set_yscale("log")
    ax_obj.set(title="Training objective", xlabel="iteration", ylabel="objective p1")
    ax_admm.set_yscale("log")
    ax_admm.set(title="Convex solver trace", xlabel="seconds" if time_axis else "ADMM iteration", ylabel="objective")
    ax_acc.set(title="Training accuracy", xlabel="iteration", ylabel="accuracy")
    ax_tobj.set_yscale("log")
    ax_tobj.set(title="Test objective", xlabel="epoch", ylabel="objective on the test set")
    ax_tacc.set(title="Test accuracy", xlabel="epoch", ylabel="accuracy")
    ax_final.set_yscale("log")
    ax_final.set_xscale("log")
    ax_final.set(title="Final SGD objective by width", xlabel="width m", ylabel="objective")
    for ax in axes.flat:
        ax.grid(ls="--", alpha=0.5)
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            # Many trials: keep the legend to the reference lines and one entry per width.
            keep, seen = [], set()
            for h, l in zip(handles, labels):
                key = l.split(" trial ")[0]
                if key in seen:
                    continue
                seen.add(key)
                keep.append((h, key))
            ax.legend([h for h, _ in keep], [l for _, l in keep], fontsize=8)
    title = ", ".join(r.name for r in runs)
    first = runs[0]
    fig.suptitle("%s: n = %s, d = %s, beta = %s" % (title, first.get("data.n_train"), first.get("data.d"),
                                                   first.get("config.model.beta")))
    fig.tight_layout()
    return fig


def fmt(x, spec=".6g"):
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return format(x, spec) if math.isfinite(x) else str(x)
    return "" if x is None else str(x)


def report(runs):
    """A one-page markdown report of the summary numbers."""
    out = ["# cvxnn-dist results", ""]
    for run in runs:
        g = run.get
        out += ["## %s" % run.name, "",
                "- data: %s (n = %s, d = %s, test %s)" % (g("data.description"), g("data.n_train"), g("data.d"),
                                                           g("data.n_test")),
                "- ranks: %s (convex %s, SGD %s)" % (g("run.ranks"), g("run.convex_ranks"), g("run.sgd_ranks"))]
        if g("run.stopped_by"):
            out += ["- stopped early by %s: the results of the work done before it" % g("run.stopped_by")]
        out += [""]
        if g("convex") is not None:
            out += ["| convex program | value |", "| --- | --- |",
                    "| arrangements P | %s (%s) |" % (g("arrangements.count"),
                                                      "complete" if g("arrangements.exact") else "sampled"),
                    "| objective | %s |" % fmt(g("convex.objective")),
                    "| certified lower bound | %s |" % fmt(g("convex.lower_bound")),
                    "| relative gap | %s |" % fmt(g("convex.gap"), ".3g"),
                    "| bound holds for | %s |" % g("convex.bound_scope"),
                    "| stop reason | %s after %s iterations |" % (g("convex.stop_reason"), g("convex.iterations")),
                    "| network neurons m* | %s |" % g("network.neurons"),
                    "| network objective p1 | %s (relative difference %s) |" % (
                        fmt(g("network.objective")), fmt(g("network.relative_difference"), ".2g")),
                    "| train / test accuracy | %s / %s |" % (fmt(g("network.train_accuracy"), ".4f"),
                                                            fmt(g("network.test_accuracy"), ".4f")), ""]
        widths = g("sgd.widths") or {}
        if widths:
            out += ["| width | trials | best final | median final | best gap to convex | diverged |",
                    "| --- | --- | --- | --- | --- | --- |"]
            for key in sorted(widths, key=lambda k: widths[k].get("width", 0)):
                w = widths[key]
                out.append("| %s | %s | %s | %s | %s | %s |" % (
                    w.get("width"), w.get("trials"), fmt(w.get("best_final_objective")),
                    fmt(w.get("median_final_objective")), fmt(w.get("best_gap_to_convex"), ".3g"), w.get("diverged")))
            out.append("")
        t = g("timings") or {}
        if t:
            out.append("Timings (s): " + ", ".join("%s %s" % (k, fmt(v, ".3g")) for k, v in t.items()))
            out.append("")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", help="results folders (each with a summary.yaml)")
    ap.add_argument("-o", "--output", help="figure file (default: FIRST_FOLDER/figure.png)")
    ap.add_argument("--report", help="markdown report (default: next to the figure, report.md)")
    args = ap.parse_args(argv)
    try:
        runs = [Run(f) for f in args.folders]
    except (OSError, ValueError) as e:
        print("plot_run: error: %s" % e, file=sys.stderr)
        return 2
    out = args.output or os.path.join(args.folders[0], "figure.png")
    fig = make_figure(runs)
    fig.savefig(out, dpi=100)
    rep = args.report or os.path.join(os.path.dirname(os.path.abspath(out)), "report.md")
    with open(rep, "w") as f:
        f.write(report(runs))
    print("wrote %s and %s" % (out, rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
