"""Independent reference solver for the convex program (eq. 7), used by
t002-cvxopt.c. Reads the problem file the C test writes ("n d P beta", X
row by row, y, then P rows of 0/1 pattern bits) and solves

    min 1/2 ||sum_i D_i X (v_i - w_i) - y||^2 + beta sum_i (t_i + s_i)
    s.t. ||v_i|| <= t_i, ||w_i|| <= s_i,
         (2 D_i - I) X v_i >= 0, (2 D_i - I) X w_i >= 0

with cvxopt.solvers.coneqp (quadratic objective, linear cone, second-order
cones). Prints "status primal_objective dual_objective" (the constant
1/2 ||y||^2 included), so the caller can check that its lower bound is below
the primal value and its objective above the dual value.
"""
import sys

import numpy as np
from cvxopt import matrix, solvers, spmatrix


def main(path):
    with open(path) as f:
        head = f.readline().split()
        n, d, P, beta = int(head[0]), int(head[1]), int(head[2]), float(head[3])
        X = np.array([[float(v) for v in f.readline().split()] for _ in range(n)])
        y = np.array([float(f.readline()) for _ in range(n)])
        D = np.array([[c == "1" for c in f.readline().strip()] for _ in range(P)], dtype=float)

    nb = 2 * P  # blocks: v_1..v_P, w_1..w_P
    nu = nb * d
    N = nu + nb
    # F = [D_1 X .. D_P X, -D_1 X .. -D_P X]
    F = np.zeros((n, nu))
    for i in range(P):
        DX = D[i][:, None] * X
        F[:, i * d:(i + 1) * d] = DX
        F[:, (P + i) * d:(P + i + 1) * d] = -DX
    Pm = np.zeros((N, N))
    Pm[:nu, :nu] = F.T @ F
    q = np.zeros(N)
    q[:nu] = -F.T @ y
    q[nu:] = beta

    vals, rows, cols = [], [], []
    r = 0
    # linear: -(2 D_i - I) X u_j <= 0
    for j in range(nb):
        i = j % P
        S = 2.0 * D[i] - 1.0
        for k in range(n):
            for l in range(d):
                if X[k, l] != 0.0:
                    vals.append(-S[k] * X[k, l])
                    rows.append(r)
                    cols.append(j * d + l)
            r += 1
    nl = r
    # second-order cones: (t_j, u_j) = -G x
    for j in range(nb):
        vals.append(-1.0)
        rows.append(r)
        cols.append(nu + j)
        r += 1
        for l in range(d):
            vals.append(-1.0)
            rows.append(r)
            cols.append(j * d + l)
            r += 1
    G = spmatrix(vals, rows, cols, (r, N))
    h = matrix(0.0, (r, 1))
    dims = {"l": nl, "q": [d + 1] * nb, "s": []}
    solvers.options["show_progress"] = False
    solvers.options["abstol"] = 1e-11
    solvers.options["reltol"] = 1e-11
    solvers.options["feastol"] = 1e-11
    solvers.options["maxiters"] = 200
    sol = solvers.coneqp(matrix(Pm), matrix(q), G, h, dims)
    c = 0.5 * float(y @ y)
    print(sol["status"], repr(sol["primal objective"] + c), repr(sol["dual objective"] + c))


if __name__ == "__main__":
    main(sys.argv[1])
