"""Benchmark (prints figures, never fails on speed): the same full-batch Adam
iteration as b001-adam (forward, backward, update; float64) written the way a
framework user would, with numpy arrays on one thread, for
(n, d, m) = (20, 2, 100) and (12000, 785, 100). The two programs use the
same BLAS library with the same kernels, so this is the array-framework
reference for b001: where OpenBLAS does not know the CPU and falls back to
its SSE3 kernels, b001 restarts itself with OPENBLAS_CORETYPE naming the
CPU's level (src/core/blas.c), and this script does the same before numpy
loads the library (CVXNN_BLAS_CORE=keep or a set OPENBLAS_CORETYPE keeps
OpenBLAS's choice)."""
import ctypes
import ctypes.util
import os
import sys
import time

# OpenBLAS 0.3.21's x86-64 kernel sets below AVX2, as in src/core/blas.c
SSE_OR_AVX_CORES = {
    "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
    "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "sandybridge", "bulldozer",
    "piledriver", "steamroller",
}


def openblas_core():
    """(config, core name) of the OpenBLAS that numpy would load, or None."""
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib.openblas_get_config().decode(), lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def cpu_level():
    """'SkylakeX' on an AVX-512 CPU, 'Haswell' on an AVX2 one, else None."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return None
    if all(f in flags for f in ("avx512f", "avx512cd", "avx512dq", "avx512bw", "avx512vl")):
        return "SkylakeX"
    if "avx2" in flags and "fma" in flags:
        return "Haswell"
    return None


def select_core():
    """Restarts once with OPENBLAS_CORETYPE when OpenBLAS fell back to kernels
    below the CPU's level; returns the note to print."""
    info = openblas_core()
    if info is None:
        return "BLAS: not OpenBLAS (no openblas_get_corename)"
    config, core = info
    note = "BLAS: %s, kernels %s" % (config, core)
    if os.environ.get("CVXNN_BLAS_RESTARTED_FROM"):
        return note + " (OpenBLAS chose %s for this CPU; restarted with OPENBLAS_CORETYPE=%s)" % (
            os.environ["CVXNN_BLAS_RESTARTED_FROM"], os.environ.get("OPENBLAS_CORETYPE", "?"))
    want = cpu_level()
    keep = os.environ.get("CVXNN_BLAS_CORE", "").lower() == "keep"
    # only a library built for several CPUs (DYNAMIC_ARCH) reads OPENBLAS_CORETYPE
    if (core.lower() in SSE_OR_AVX_CORES and want and not keep and "OPENBLAS_CORETYPE" not in os.environ
            and "DYNAMIC_ARCH" in config):
        env = dict(os.environ, OPENBLAS_CORETYPE=want, CVXNN_BLAS_RESTARTED_FROM=core)
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    return note


BLAS_NOTE = select_core()

import numpy as np  # noqa: E402  (after the kernel choice: numpy loads OpenBLAS)


def adam_seconds(n, dfeat, m, iterations, beta=1e-4, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    rng = np.random.default_rng(1)
    X = np.hstack([rng.standard_normal((n, dfeat)), np.ones((n, 1))])
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    d = dfeat + 1
    U = rng.uniform(-1, 1, (d, m)) / np.sqrt(d)
    a = rng.uniform(-1, 1, m) / np.sqrt(m)
    mU, vU, ma, va = np.zeros_like(U), np.zeros_like(U), np.zeros_like(a), np.zeros_like(a)

    def step(t):
        nonlocal U, a
        H = X @ U
        Z = np.maximum(H, 0.0)
        r = Z @ a - y
        ga = Z.T @ r + beta * a
        gU = X.T @ ((r[:, None] * a[None, :]) * (H > 0)) + beta * U
        for p, g, mm, vv in ((U, gU, mU, vU), (a, ga, ma, va)):
            mm *= b1
            mm += (1 - b1) * g
            vv *= b2
            vv += (1 - b2) * g * g
            p -= (lr / (1 - b1 ** t)) * mm / (np.sqrt(vv / (1 - b2 ** t)) + eps)

    step(1)
    t0, c0 = time.perf_counter(), time.process_time()
    for t in range(2, iterations + 2):
        step(t)
    return (time.perf_counter() - t0) / iterations, (time.process_time() - c0) / iterations


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    print("numpy %s, OPENBLAS_NUM_THREADS=%s" % (np.__version__, os.environ.get("OPENBLAS_NUM_THREADS", "unset")))
    print(BLAS_NOTE)
    for n, dfeat, m, its in ((20, 1, 100, int(5000 * scale)), (12000, 784, 100, max(1, int(10 * scale)))):
        s, c = adam_seconds(n, dfeat, m, max(its, 1))
        print("numpy adam full batch n=%d d=%d m=%d, %d iterations: %.3e s/iteration wall (%.2f us), %.3e s cpu (%.2f us)"
              % (n, dfeat + 1, m, max(its, 1), s, s * 1e6, c, c * 1e6))


if __name__ == "__main__":
    main()
