"""Every pattern of an exact arrangement set is realizable: for each pattern
d there is a direction g with x_i^T g > 0 where d_i = 1 and x_i^T g < 0
where d_i = 0 (zero rows must have d_i = 1). Checked independently of the
C code with one linear program per pattern (cvxopt):

    maximize t  s.t.  s_i x_i^T g >= t (nonzero rows),  -1 <= g <= 1,  t <= 1

with s_i = 2 d_i - 1; the pattern is realizable iff t* > 0. Also checks
the text file format and that the set has no duplicates.

Usage: t003-realizable.py <mpiexec> <t003-exact-dump>
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from cvxopt import matrix, solvers

solvers.options["show_progress"] = False


def read_set(path):
    with open(path) as f:
        lines = f.read().split("\n")
    assert lines[0] == "# cvxnn-dist arrangements v1", lines[0]
    k = 1
    while lines[k].startswith("#"):
        k += 1
    n, P = map(int, lines[k].split())
    rows = lines[k + 1:k + 1 + n]
    assert all(len(r) == P and set(r) <= {"0", "1"} for r in rows)
    assert all(not l.strip() for l in lines[k + 1 + n:])
    return np.array([[c == "1" for c in r] for r in rows], dtype=bool)  # n x P


def margin(X, d):
    nz = np.any(X != 0, axis=1)
    A = X[nz] / np.linalg.norm(X[nz], axis=1, keepdims=True)
    s = np.where(d[nz], 1.0, -1.0)
    m, dim = A.shape
    # variables (g, t); minimize -t
    c = matrix(np.r_[np.zeros(dim), -1.0])
    G = np.zeros((m + 2 * dim + 1, dim + 1))
    h = np.zeros(m + 2 * dim + 1)
    G[:m, :dim] = -s[:, None] * A
    G[:m, dim] = 1.0
    G[m:m + dim, :dim] = np.eye(dim)
    G[m + dim:m + 2 * dim, :dim] = -np.eye(dim)
    h[m:m + 2 * dim] = 1.0
    G[-1, dim] = 1.0
    h[-1] = 1.0
    sol = solvers.lp(c, matrix(G), matrix(h))
    if sol["status"] != "optimal":
        return None
    return -sol["primal objective"]


def main():
    mpiexec, exe = sys.argv[1], sys.argv[2]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([mpiexec, "--oversubscribe", "-n", "2", exe, tmp], check=True)
        for name in ["general", "duplicates", "integer", "line"]:
            X = np.loadtxt(os.path.join(tmp, name + ".csv"), delimiter=",", ndmin=2)
            D = read_set(os.path.join(tmp, name + ".arr"))
            n, P = D.shape
            assert n == X.shape[0]
            if len({D[:, j].tobytes() for j in range(P)}) != P:
                print(f"FAIL {name}: duplicate patterns")
                failures += 1
            zero = ~np.any(X != 0, axis=1)
            if not D[zero].all():
                print(f"FAIL {name}: a zero row is inactive in some pattern")
                failures += 1
            bad = []
            for j in range(P):
                t = margin(X, D[:, j])
                if t is None or t <= 1e-7:
                    bad.append((j, t))
            if bad:
                print(f"FAIL {name}: {len(bad)} of {P} patterns not realizable, e.g. {bad[:5]}")
                failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
