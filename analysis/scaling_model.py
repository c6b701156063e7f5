#!/usr/bin/python3
"""Per-iteration cost and communication model of the distributed ADMM
(src/convex/admm.c, src/convex/gram.c), fitted to measurements on one
2-core machine and extrapolated to a cluster. See analysis/SCALING.md.

    /usr/bin/python3 analysis/scaling_model.py [--plot FILE] [--b301 FILE...]

Prints the fitted constants, the model against the measurements, the
CIFAR two-class predictions (n = 10,000, d = 3073, P = 50, 500, 5000 on
16, 64, 256 ranks) and the memory model, and writes the plot (default
analysis/scaling_model.png). --b301 reads the output of
tests/convex/b301-scaling (one file per rank count) instead of the figures
recorded below.
"""
import argparse
import math
import os
import sys

import numpy as np

# ---------------------------------------------------------------- measured here
# b301-scaling on 1, 2, 4 ranks (2 cores; 4 ranks are oversubscribed).
# dgemm GFlop/s per rank, dgemv seconds on a 2000 x 2000 matrix, Allreduce
# seconds by number of doubles.
B301 = {
    1: dict(gemm=34.522, gemv_n=2000, gemv=2.023457e-03,
            allreduce={1: 3.999958e-08, 100: 4.999947e-08, 1000: 1.099997e-07,
                       10000: 1.433000e-06, 100000: 1.681500e-05}),
    2: dict(gemm=25.367, gemv_n=2000, gemv=3.599270e-03,
            allreduce={1: 2.609995e-07, 100: 5.010006e-07, 1000: 1.572000e-06,
                       10000: 2.106100e-05, 100000: 1.195980e-04}),
    4: dict(gemm=12.830, gemv_n=2000, gemv=6.858026e-03,
            allreduce={1: 4.677000e-06, 100: 8.913000e-06, 1000: 2.211300e-05,
                       10000: 7.646400e-05, 100000: 3.573700e-04}),
}

# t201-admm-bench custom runs, n = 2000, sampled patterns, no polish,
# -certify_every 1000000 (one certificate, after the last iteration):
#   t201-admm-bench -n 2000 -draw D -P 100 -max_iter I -certify_every 1000000
#                   -polish 0 -splitting S [-anderson M]
# (splitting, d incl. bias, P, ranks, anderson): (iterations, setup s,
# "iterations" s, "certificates" s, "projections" s) as printed. The
# "iterations" time includes the primal point of the final certificate,
# which for the slack splitting is one projection pass (projections minus
# certificates); it is subtracted. The cone splitting's projections inside
# the iterations are (projections - certificates).
ADMM_N = 2000
ADMM_RAW = [
    (("slack", 201, 100, 1, 10), (20, 1.223, 2.513, 38.983, 40.971)),
    (("slack", 201, 100, 2, 10), (20, 2.007, 2.500, 31.513, 33.044)),
    (("slack", 201, 100, 4, 10), (20, 5.120, 2.790, 33.874, 35.836)),
    (("slack", 51, 100, 1, 10), (20, 2.089, 0.885, 0.975, 1.336)),
    (("slack", 51, 100, 2, 10), (20, 3.550, 0.683, 0.695, 0.832)),
    (("slack", 51, 100, 4, 10), (20, 6.604, 0.954, 0.891, 0.942)),
    (("slack", 51, 100, 1, 0), (40, 2.123, 0.874, 0.908, 1.125)),
    (("slack", 51, 100, 1, 10), (40, 1.888, 1.240, 0.931, 1.181)),
    (("slack", 51, 100, 2, 0), (40, 2.600, 1.053, 0.662, 0.749)),
    (("slack", 51, 100, 2, 10), (40, 2.792, 1.321, 0.700, 0.787)),
    (("cone", 51, 100, 1, 10), (10, 2.014, 6.540, 0.903, 7.370)),
    (("cone", 51, 100, 2, 10), (10, 2.820, 5.123, 0.643, 5.370)),
    (("cone", 201, 100, 1, 10), (2, 1.803, 197.240, 27.282, 224.484)),
]


def admm_measured():
    """(splitting, d, P, ranks, anderson) -> list of (setup s, s per iteration,
    projection s per iteration)."""
    out = {}
    for key, (it, su, ti, tc, tp) in ADMM_RAW:
        if key[0] == "slack":
            per_it, proj = (ti - (tp - tc)) / it, 0.0
        else:
            per_it, proj = ti / it, (tp - tc) / it
        out.setdefault(key, []).append((su, per_it, proj))
    return out


ADMM = admm_measured()

# cvxnn-dist, n = 10000, d = 3073, P = 50, slack, 2 ranks (scalapack path):
# the setup had not finished after 17 minutes (killed), about 11 minutes of
# CPU per rank in the eigendecomposition. Efficiency of pdsyevd against the
# 1-rank dgemm rate is then at most c_eig n^3 / (2 * rate * ~1000 s) ~ 0.12.
PDSYEVD_EFF_HERE = 0.12

# The setup now forms the inverse at the ADMM's shift from a Cholesky
# factor instead of an eigendecomposition. Measured (cvxnn-dist -info):
# n = 4000, 1 rank, dpotrf + dpotri 1.32 s (6.4e10 flops, 0.95 of the
# dgemm rate); n = 10000, 2 ranks, pdpotrf + pdpotri 15.9 s (5e11 flops per
# rank, 0.63). The model uses the lower figure here and 0.6 on a cluster.
CHOL_EFF_HERE = 0.63

# ---------------------------------------------------------------- the model
ANDERSON = 10  # default memory (admm.c)


def local_patterns(P, p):
    """Patterns per rank: contiguous ranges, at least one (ranks beyond P idle)."""
    return math.ceil(P / p)


def allreduce_time(words, p, alpha, beta):
    """Reduce-scatter + allgather (Rabenseifner / ring) model:
    2 log2(p) alpha + 2 (p - 1)/p * 8 words * beta."""
    if p <= 1:
        return 0.0
    return 2 * math.log2(p) * alpha + 2 * (p - 1) / p * 8 * words * beta


def gemm_flops(split, n, d, Pl, current=True):
    """Flops per rank per iteration in the GEMMs of admm.c (Pl local patterns,
    2 Pl blocks). cone: F (n x d x Pl), F^T (d x Pl x n), the cone check
    X C (n x 2Pl x d): 8 n d Pl. slack: G^T b and G u (4 n d Pl each), F and
    F^T (2 n d Pl each), A^{-1} (d x d) times the 2 Pl blocks of the right
    side and the Pl blocks of F^T q: 12 n d Pl + 6 d^2 Pl. current=False:
    the code the fitted measurements ran, two dpotrs on 2 Pl right-hand
    sides (4 d^2 Pl each): 12 n d Pl + 8 d^2 Pl."""
    if split == "cone":
        return 8.0 * n * d * Pl
    return 12.0 * n * d * Pl + (6.0 if current else 8.0) * d * d * Pl


def state_len(split, n, d, Pl):
    """Doubles in one ADMM state vector on a rank (admm.c: ns)."""
    return 2 * Pl * d + (2 * Pl * n if split == "slack" else 0)


def solve_time(path, n, p, mc, current=True):
    """The n x n solve of the u-step. Both dense paths hold the inverse at
    the ADMM's fixed shift (CvxGramPrepare) and read it once per solve.
    replicated: every rank holds its n/p rows of it, reads 8 n^2 / p bytes
    (on 1 rank dsymv reads one triangle, 4 n^2 bytes), and one Allgather of
    n doubles (modelled as half an Allreduce) assembles x.
    scalapack: one pdgemv on the block-cyclic inverse, 8 n^2 / p bytes per
    rank, plus a broadcast of the vector pieces along the process rows and a
    sum along the columns (about 2 (log2 sqrt(p) alpha + 8 n / sqrt(p)
    beta)), plus the final Allreduce of n doubles that replicates x.
    current=False: the code the fitted measurements ran, two products with
    the eigenvectors Q (2 x 8 n^2 / p bytes, two Allgathers or two pdgemv)."""
    k = 1 if current else 2
    if path == "replicated":
        gather = allreduce_time(n, p, mc["alpha"], mc["beta"]) / 2 if p > 1 else 0.0
        if current and p == 1:
            return 4.0 * n * n / mc["bw"]
        return k * 8.0 * n * n / p / mc["bw"] + k * gather
    q = math.sqrt(p)
    comm = k * 2 * (math.log2(max(q, 1)) * mc["alpha"] + 8 * n / q * mc["beta"]) if p > 1 else 0.0
    return k * 8.0 * n * n / p / mc["bw"] + comm + allreduce_time(n, p, mc["alpha"], mc["beta"])


def iteration_time(split, path, n, d, P, p, mc, proj_per_block=0.0, current=True):
    """Seconds per ADMM iteration on p ranks, with its parts (current=False:
    the code the fitted measurements ran)."""
    Pl = local_patterns(P, p)
    parts = {
        "gemm": gemm_flops(split, n, d, Pl, current) / mc["gemm"],
        "vector": mc["vec"] * state_len(split, n, d, Pl),
        "solve": solve_time(path, n, p, mc, current),
        "allreduce": allreduce_time(n + 1, p, mc["alpha"], mc["beta"])
        + allreduce_time(2 + 2 * ANDERSON, p, mc["alpha"], mc["beta"]),
        "projection": proj_per_block * 2 * Pl if split == "cone" else 0.0,
    }
    return sum(parts.values()), parts


def setup_time(split, path, n, d, P, p, mc, current=True):
    """One-time setup: slack: X^T X (2 n d^2), dpotrf (d^3/3), Z = X L^-T
    (n d^2), dpotri (2 d^3/3), all replicated; Gram counts C = Dmat Dmat^T
    (n^2 P/p flops replicated path, 2 n^2 P/p scalapack) and Z Z^T (n^2 d
    replicated, 2 n^2 d/p scalapack); the inverse at the fixed shift from a
    Cholesky factor, n^3 (dpotrf + dpotri on every rank, replicated path;
    pdpotrf + pdpotri, n^3 / p, scalapack; at the dgemm rate times
    mc['chol_eff']). current=False: the code the fitted measurements ran,
    an eigendecomposition c_eig n^3 (dsyevd replicated, pdsyevd / p at
    efficiency mc['eig_eff']) and neither dpotri nor the inverse."""
    f = 0.0
    if split == "slack":
        f += 2.0 * n * d * d + d ** 3 / 3.0 + n * d * d + (2.0 * d ** 3 / 3.0 if current else 0.0)
    Pl = local_patterns(P, p)
    if path == "replicated":
        f += n * n * Pl + n * n * d + (0.0 if current else mc["c_eig"] * n ** 3)
        t = f / mc["gemm"] + allreduce_time(n * n, p, mc["alpha"], mc["beta"])
        if current:
            t += n ** 3 / (mc["gemm"] * mc["chol_eff"])
    else:
        f += 2.0 * n * n * Pl + 2.0 * n * n * d / p
        t = f / mc["gemm"]
        if current:
            t += n ** 3 / p / (mc["gemm"] * mc["chol_eff"])
        else:
            t += mc["c_eig"] * n ** 3 / p / (mc["gemm"] * mc["eig_eff"])
    return t


def memory_bytes(split, path, n, d, P, p, n_test=0):
    """Peak bytes per rank by what each rank allocates (admm.c, gram.c,
    cone.c), at the eigendecomposition of the setup, and in the iterations."""
    Pl = local_patterns(P, p)
    nb = 2 * Pl
    ns = state_len(split, n, d, Pl)
    nz = d * nb
    m = {}
    m["X (data set, replicated)"] = 8.0 * (n + n_test) * d
    if d > Pl:
        m["admm Wp (n x Pl scratch, d > Pl)"] = 8.0 * n * Pl
    else:
        m["admm M, Xe (n x d scratch)"] = 2 * 8.0 * n * d
    m["cone work Q, R (d x d)"] = 2 * 8.0 * d * d
    m["patterns Dm (n x Pl)"] = 8.0 * n * Pl
    m["admm state t zs zprev w au f"] = 6 * 8.0 * ns
    m["admm block arrays (~8 of d x 2Pl)"] = 8 * 8.0 * nz
    if split == "slack":
        m["slack A^-1 (d x d)"] = 8.0 * d * d
    steady = dict(m)
    setup = dict(m)
    if split == "slack":
        setup["slack Z = X L^-T (setup only)"] = 8.0 * n * d
    if path == "replicated":
        setup["gram K + inverse being formed (2 n^2, setup)"] = 2 * 8.0 * n * n
        steady["gram K (n^2)"] = 8.0 * n * n
        steady["gram rows of the inverse (n^2/p)"] = 8.0 * n * n / p
    else:
        nprow = max(r for r in range(1, int(math.isqrt(p)) + 1) if p % r == 0)
        setup["gram K and inverse local (2 n^2/p, setup)"] = 2 * 8.0 * n * n / p
        setup["gram rows and columns of Z for K (setup)"] = 8.0 * n * d * (1.0 / nprow + nprow / p)
        steady["gram K local (n^2/p)"] = 8.0 * n * n / p
        steady["gram inverse local (n^2/p)"] = 8.0 * n * n / p
    steady["anderson dT dF (2m) + 3 (m = 10)"] = (2 * ANDERSON + 3) * 8.0 * ns
    return setup, steady


# ---------------------------------------------------------------- fitting
def fit_allreduce(b, p):
    """alpha, beta of the Allreduce model by least squares on one rank count."""
    ks = sorted(b[p]["allreduce"])
    A = np.array([[2 * math.log2(p), 2 * (p - 1) / p * 8 * k] for k in ks])
    t = np.array([b[p]["allreduce"][k] for k in ks])
    sol, *_ = np.linalg.lstsq(A / t[:, None], np.ones(len(ks)), rcond=None)  # relative error
    return max(sol[0], 0.0), max(sol[1], 0.0)


def fitted_constants(b):
    alpha, beta = fit_allreduce(b, 2)
    mc = dict(gemm=b[1]["gemm"] * 1e9, bw=8.0 * b[1]["gemv_n"] ** 2 / b[1]["gemv"],
              alpha=alpha, beta=beta, c_eig=0.0, eig_eff=PDSYEVD_EFF_HERE, chol_eff=CHOL_EFF_HERE, vec=0.0)
    # vector-pass constant: slack runs at 1 rank, what the GEMMs and the
    # solve do not explain, per element of the state
    rows = [(k, r) for k, v in ADMM.items() for r in v if k[0] == "slack" and k[3] == 1 and k[4] == ANDERSON]
    res, ce = [], []
    for (split, d, P, p, aa), (su, it, _) in rows:
        t0, _ = iteration_time(split, "replicated", ADMM_N, d, P, p, mc, current=False)
        res.append((it - t0) / state_len(split, ADMM_N, d, local_patterns(P, p)))
    mc["vec"] = max(float(np.mean(res)), 0.0)
    # eigendecomposition constant from the setup times (all 1-rank runs)
    for (split, d, P, p, aa), v in ADMM.items():
        if p != 1:
            continue
        for su, it, _ in v:
            rest = setup_time(split, "replicated", ADMM_N, d, P, p, dict(mc, c_eig=0.0), current=False)
            ce.append(max(su - rest, 0.0) * mc["gemm"] / ADMM_N ** 3)
    mc["c_eig"] = float(np.median(ce))
    return mc


def cluster_constants(fit):
    """Stated cluster assumptions; the constants that have no assumption
    (vector passes, eigensolver) are scaled from the fit by the dgemm and
    bandwidth ratios."""
    return dict(gemm=50e9, bw=10e9, alpha=2e-6, beta=0.1e-9, c_eig=fit["c_eig"], eig_eff=0.5, chol_eff=0.6,
                vec=fit["vec"] * (fit["bw"] / 10e9))


def read_b301(files):
    out = {}
    for fn in files:
        cur = {"allreduce": {}}
        with open(fn) as fh:
            for line in fh:
                w = line.split()
                if not w:
                    continue
                if w[0] == "ranks":
                    p = int(w[1])
                elif w[0] == "dgemm_gflops_per_rank":
                    cur["gemm"] = float(w[1])
                elif w[0] == "dgemv_seconds":
                    cur["gemv_n"], cur["gemv"] = int(w[1]), float(w[2])
                elif w[0] == "allreduce_seconds":
                    cur["allreduce"][int(w[1])] = float(w[2])
        out[p] = cur
    return out


# ---------------------------------------------------------------- report
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plot", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "scaling_model.png"))
    ap.add_argument("--b301", nargs="*", default=None)
    args = ap.parse_args()
    b = read_b301(args.b301) if args.b301 else B301
    fit = fitted_constants(b)
    clus = cluster_constants(fit)

    print("Fitted here (1 rank unless stated; 2 cores shared with other work):")
    print("  dgemm %.1f GFlop/s per rank; dgemv %.1f GB/s of matrix read" % (fit["gemm"] * 1e-9, fit["bw"] * 1e-9))
    print("  Allreduce (2 ranks, shared memory): alpha %.2g s, beta %.2g s/byte" % (fit["alpha"], fit["beta"]))
    print("  vector passes %.3g s per state element per iteration; eigendecomposition %.1f n^3 flops"
          % (fit["vec"], fit["c_eig"]))
    print("Cluster assumptions: dgemm 50 GFlop/s per core, memory 10 GB/s per core, alpha 2 us, beta 0.1 ns/byte;"
          " the setup's Cholesky inverse at 60% of the dgemm rate")
    print()
    print("Model against measurements (n = %d, replicated solve, fitted constants):" % ADMM_N)
    print("  (model: GEMM at that rank count's measured dgemm rate + fitted vector passes + solve + Allreduce;")
    print("   cone: + the measured projection time, which the model does not predict)")
    print("  %-6s %5s %5s %5s %4s  %10s %10s  %10s %10s %8s" % ("split", "d", "P", "ranks", "AA", "meas s/it",
                                                             "model s/it", "gemm floor", "proj s/it", "setup s"))
    for (split, d, P, p, aa), v in sorted(ADMM.items()):
        for su, it, pr in v:
            mcp = dict(fit, gemm=b.get(p, b[max(b)])["gemm"] * 1e9)
            if aa == 0:
                mcp["vec"] = fit["vec"] * 5 / (2 * ANDERSON + 5)  # rough: no history passes
            t, parts = iteration_time(split, "replicated", ADMM_N, d, P, p, mcp, pr / (2 * local_patterns(P, p)),
                                      current=False)
            print("  %-6s %5d %5d %5d %4d  %10.4f %10.4f  %10.4f %10.4f %8.3f" % (
                split, d, P, p, aa, it, t, parts["gemm"], pr, su))
    print()

    n, d = 10000, 3073
    ranks = [1, 16, 64, 256]
    table = []
    print("CIFAR two-class, n = %d, d = %d, slack splitting: MODEL PREDICTIONS, seconds per iteration" % (n, d))
    print("  (efficiency = T(1) / (p T(p)); solve path: scalapack is the default above replicated_max_n = 4000)")
    print("  %-10s %5s %6s | %10s %6s %10s | %10s %6s %10s | %10s" % (
        "constants", "P", "ranks", "scalapack", "eff", "dominant", "replicated", "eff", "dominant", "setup s"))
    for label, mc in (("cluster", clus), ("fitted", fit)):
        for P in (50, 500, 5000):
            base = {path: iteration_time("slack", path if path == "replicated" else "replicated", n, d, P, 1, mc)[0]
                    for path in ("scalapack", "replicated")}
            for p in ranks[1:]:
                row = [label, P, p]
                for path in ("scalapack", "replicated"):
                    t, parts = iteration_time("slack", path, n, d, P, p, mc)
                    dom = max(parts, key=parts.get)
                    row += [t, base[path] / (p * t), dom]
                row.append(setup_time("slack", "scalapack", n, d, P, p, mc))
                table.append(row)
                print("  %-10s %5d %6d | %10.4f %6.2f %10s | %10.4f %6.2f %10s | %10.1f" % tuple(row))
    print()
    print("Cone splitting, same problem: the GEMM floor alone (cluster constants), s per iteration;")
    print("  the cone projections come on top and are not predictable at d = 3073 (see SCALING.md)")
    for P in (50, 500, 5000):
        print("  P %5d: " % P + "  ".join("%d ranks %.4f" % (p, gemm_flops("cone", n, d, local_patterns(P, p)) /
                                                              clus["gemm"]) for p in ranks[1:]))
    print()
    for path in ("scalapack", "replicated"):
        setup, steady = memory_bytes("slack", path, 10000, 3073, 50, 2)
        print("Memory per rank, n = 10000, d = 3073, P = 50, 2 ranks, slack, %s solve (MODEL):" % path)
        for k, v in setup.items():
            print("  %-50s %8.1f MB" % (k, v / 2 ** 20))
        print("  %-50s %8.1f MB" % ("peak at setup", sum(setup.values()) / 2 ** 20))
        print("  %-50s %8.1f MB" % ("during the iterations", sum(steady.values()) / 2 ** 20))

    # plot
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not available: no plot", file=sys.stderr)
        return
    ps = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    for P, c in ((50, "C0"), (500, "C1"), (5000, "C2")):
        for path, ls in (("scalapack", "-"), ("replicated", "--")):
            ts = [iteration_time("slack", path, n, d, P, int(p), clus)[0] for p in ps]
            t1 = iteration_time("slack", "replicated", n, d, P, 1, clus)[0]
            ax[0].loglog(ps, ts, ls, color=c, label="P=%d %s" % (P, path))
            ax[1].semilogx(ps, [t1 / (p * t) for p, t in zip(ps, ts)], ls, color=c)
        ax[0].loglog(ps, [gemm_flops("slack", n, d, local_patterns(P, int(p))) / clus["gemm"] for p in ps], ":",
                     color=c, lw=1)
    ax[0].set_xlabel("ranks")
    ax[0].set_ylabel("seconds per iteration (model)")
    ax[0].set_title("CIFAR 2-class, slack splitting (dotted: GEMM floor)", fontsize=9)
    ax[0].legend(fontsize=7)
    ax[1].set_xlabel("ranks")
    ax[1].set_ylabel("parallel efficiency (model)")
    ax[1].set_ylim(0, 1.05)
    ax[1].set_title("cluster assumptions: 50 GF/s, 10 GB/s, 2 us, 0.1 ns/B", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=110)
    print("\nplot written to %s" % args.plot)


if __name__ == "__main__":
    main()
