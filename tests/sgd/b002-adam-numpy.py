"""Benchmark (prints figures, never fails on speed): the same full-batch Adam
iteration as b001-adam (forward, backward, update; float64) written the way a
framework user would, with numpy arrays on one thread, for
(n, d, m) = (20, 2, 100) and (12000, 785, 100). The two programs use the
same BLAS library, so this is the array-framework reference for b001."""
import os
import sys
import time

import numpy as np


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
    for n, dfeat, m, its in ((20, 1, 100, int(5000 * scale)), (12000, 784, 100, max(1, int(10 * scale)))):
        s, c = adam_seconds(n, dfeat, m, max(its, 1))
        print("numpy adam full batch n=%d d=%d m=%d, %d iterations: %.3e s/iteration wall (%.2f us), %.3e s cpu (%.2f us)"
              % (n, dfeat + 1, m, max(its, 1), s, s * 1e6, c, c * 1e6))


if __name__ == "__main__":
    main()
