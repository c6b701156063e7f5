/* Cone projections: the facet-reduced cones (d <= 3) and the full ones give
 * the same projection, which satisfies the optimality conditions of
 * P_K(v): c in K, v - c in the polar cone, c orthogonal to v - c. Warm
 * starts reproduce the result, also from another point's active set and
 * through the factor cache; interior directions are strictly interior.
 * A solve told to stop below a bound stops only with a norm between
 * ||P_K(v)|| and the bound, and otherwise gives P_K(v); one past its stop
 * time stops with a norm at least ||P_K(v)||.
 * Prints only on failure. */
#include "convex/cone.h"

#include "t000-problem.h"
#include "../common/check.h"

static double Dot(PetscInt d, const double *a, const double *b)
{
  double s = 0;
  for (PetscInt j = 0; j < d; j++) s += a[j] * b[j];
  return s;
}

static PetscErrorCode CheckCase(PetscInt n, PetscInt d_raw, PetscBool bias, uint64_t seed)
{
  TestProblem pr;
  CvxConeSet  red, full;
  CvxConeWork w;
  CvxRng      rng;

  PetscFunctionBeginUser;
  TestProblemCreate(n, d_raw, bias, 400, 60, seed, &pr);
  PetscInt d = pr.d;
  PetscCall(CvxConeSetCreate(n, d, pr.X, pr.P, pr.words, pr.bits, PETSC_TRUE, &red));
  PetscCall(CvxConeSetCreate(n, d, pr.X, pr.P, pr.words, pr.bits, PETSC_FALSE, &full));
  PetscCall(CvxConeWorkCreate(n, d, &w));
  double   *v, *c1, *c2, *c3, *p, *ci;
  PetscInt *J1, *J2;
  PetscCall(PetscMalloc1((size_t)d, &v));
  PetscCall(PetscMalloc1((size_t)d, &c1));
  PetscCall(PetscMalloc1((size_t)d, &c2));
  PetscCall(PetscMalloc1((size_t)d, &c3));
  PetscCall(PetscMalloc1((size_t)d, &p));
  PetscCall(PetscMalloc1((size_t)d, &ci));
  PetscCall(PetscMalloc1((size_t)d, &J1));
  PetscCall(PetscMalloc1((size_t)d, &J2));
  PetscInt    *Jp, *Jc, qp = 0, qc = 0;
  double      *vp, *cq;
  CvxConeCache cache;
  PetscCall(PetscMalloc2((size_t)d, &vp, (size_t)d, &cq));
  PetscCall(PetscMalloc1((size_t)d, &Jp));
  PetscCall(PetscMalloc1((size_t)d, &Jc));
  PetscCall(CvxConeCacheCreate(d, 1, PETSC_TRUE, PETSC_FALSE, &cache));
  CvxRngInit(&rng, seed, CVX_STREAM_TEST, 9, 0);
  PetscInt nreduced = 0, nbelow = 0;
  for (PetscInt i = 0; i < pr.P; i++) {
    if (red.reduced[i]) nreduced++;
    /* the generating direction is feasible for its cone */
    double viol;
    PetscCall(CvxConeViolation(&full, &w, i, pr.g + (size_t)i * d, &viol));
    CHECK(viol <= 1e-12, "n %d d %d: generator of cone %d violates it by %g", (int)n, (int)d, (int)i, viol);
    PetscBool found;
    PetscCall(CvxConeInterior(&full, &w, i, ci, &found));
    if (found) {
      PetscCall(CvxConeViolation(&full, &w, i, ci, &viol));
      CHECK(viol < 0, "n %d d %d: interior direction of cone %d is not interior (%g)", (int)n, (int)d, (int)i, viol);
    }
    for (int trial = 0; trial < 6; trial++) {
      CvxRngNormals(&rng, d, v);
      if (trial == 5) /* a point already inside */
        for (PetscInt j = 0; j < d; j++) v[j] = 0.7 * pr.g[(size_t)i * d + j];
      PetscInt  q1 = 0, q2 = 0;
      PetscBool ok1, ok2;
      PetscCall(CvxConeProject(&red, &w, i, v, c1, J1, &q1, &ok1));
      PetscCall(CvxConeProject(&full, &w, i, v, c2, J2, &q2, &ok2));
      CHECK(ok1 && ok2, "n %d d %d cone %d: projection cut short", (int)n, (int)d, (int)i);
      double vn = sqrt(Dot(d, v, v)), diff = 0;
      for (PetscInt j = 0; j < d; j++) diff += (c1[j] - c2[j]) * (c1[j] - c2[j]);
      CHECK(sqrt(diff) <= 1e-9 * vn, "n %d d %d cone %d: reduced and full projections differ by %g", (int)n, (int)d,
            (int)i, sqrt(diff));
      PetscCall(CvxConeViolation(&full, &w, i, c2, &viol));
      CHECK(viol <= 1e-10 * vn, "n %d d %d cone %d: projection infeasible by %g", (int)n, (int)d, (int)i, viol);
      PetscCall(CvxConeViolation(&full, &w, i, c1, &viol));
      CHECK(viol <= 1e-10 * vn, "n %d d %d cone %d: reduced projection infeasible by %g", (int)n, (int)d, (int)i,
            viol);
      for (PetscInt j = 0; j < d; j++) p[j] = v[j] - c2[j];
      CHECK(fabs(Dot(d, c2, p)) <= 1e-10 * vn * vn, "n %d d %d cone %d: c not orthogonal to v - c (%g)", (int)n,
            (int)d, (int)i, Dot(d, c2, p));
      /* v - c in the polar cone: nonpositive inner product with points of K */
      CHECK(Dot(d, p, pr.g + (size_t)i * d) <= 1e-10 * vn * sqrt(Dot(d, pr.g + (size_t)i * d, pr.g + (size_t)i * d)),
            "n %d d %d cone %d: v - c not in the polar cone", (int)n, (int)d, (int)i);
      if (found)
        CHECK(Dot(d, p, ci) <= 1e-10 * vn, "n %d d %d cone %d: v - c not in the polar cone (interior test)", (int)n,
              (int)d, (int)i);
      /* warm start from the final active set reproduces the projection */
      PetscCall(CvxConeProject(&full, &w, i, v, c3, J2, &q2, &ok2));
      diff = 0;
      for (PetscInt j = 0; j < d; j++) diff += (c3[j] - c2[j]) * (c3[j] - c2[j]);
      CHECK(ok2 && sqrt(diff) <= 1e-12 * vn + 1e-300, "n %d d %d cone %d: warm start changed the result by %g", (int)n,
            (int)d, (int)i, sqrt(diff));
      /* warm start from the active set of the previous trial's point (rows
       * to drop: the factor downdates), and solves through the factor
       * cache (from an empty slot, the same point again, a nearby point,
       * that point again: the third and fourth solves start from the fast
       * maps the second one made): all give the projection a cold solve
       * gives */
      if (trial > 0) {
        PetscCall(CvxConeProject(&full, &w, i, v, c3, Jp, &qp, &ok2));
        diff = 0;
        for (PetscInt j = 0; j < d; j++) diff += (c3[j] - c2[j]) * (c3[j] - c2[j]);
        CHECK(ok2 && sqrt(diff) <= 1e-9 * vn, "n %d d %d cone %d: warm start from another point's active set "
              "changed the result by %g", (int)n, (int)d, (int)i, sqrt(diff));
      }
      for (int pass = 0; pass < 4; pass++) {
        PetscInt  qa = 0, qb = 0;
        PetscBool oka, okb;
        for (PetscInt j = 0; j < d; j++) vp[j] = v[j] + (pass >= 2 ? 1e-3 * vn * (j % 3 == 0 ? 1.0 : -0.5) : 0.0);
        if (pass == 0) CvxConeCacheClear(&cache, 0);
        qa = pass == 0 ? 0 : qc;
        memcpy(J1, Jc, sizeof(PetscInt) * (size_t)qa);
        /* a solve for another point in between: the factors must come from
         * the cache, not from what the scratch space still holds */
        for (PetscInt j = 0; j < d; j++) cq[j] = -vp[j];
        qb = 0;
        PetscCall(CvxConeProject(&full, &w, i, cq, c3, J2, &qb, &okb));
        qb = 0;
        w.cache = &cache;
        w.slot  = 0;
        PetscCall(CvxConeProject(&full, &w, i, vp, c3, J1, &qa, &oka));
        w.cache = NULL;
        memcpy(Jc, J1, sizeof(PetscInt) * (size_t)qa);
        qc = qa;
        PetscCall(CvxConeProject(&full, &w, i, vp, cq, J2, &qb, &okb));
        diff = 0;
        for (PetscInt j = 0; j < d; j++) diff += (c3[j] - cq[j]) * (c3[j] - cq[j]);
        CHECK(oka && okb && sqrt(diff) <= 1e-9 * vn, "n %d d %d cone %d: cached solve %d off by %g", (int)n, (int)d,
              (int)i, pass, sqrt(diff));
        if (pass == 3) {
          /* warm starts only from the slot (its maps made, the multipliers
           * known at this point): at the point itself and at one
           * 1e-9 ||v|| sqrt(d) away, whose multipliers the bound settles;
           * both on the set's subspace, the first the projection itself,
           * the second within the distance of the points (a projection
           * onto a subspace does not lengthen distances) */
          for (int near = 0; near < 2; near++) {
            for (PetscInt j = 0; j < d; j++) cq[j] = vp[j] + (near ? 1e-9 * vn * (j % 2 ? 1.0 : -1.0) : 0.0);
            PetscInt qw = qc;
            memcpy(J1, Jc, sizeof(PetscInt) * (size_t)qw);
            w.cache = &cache;
            w.slot  = 0;
            PetscCall(CvxConeProjectWarm(&full, &w, i, cq, ci, J1, &qw));
            w.cache = NULL;
            diff    = 0;
            for (PetscInt j = 0; j < d; j++) diff += (ci[j] - c3[j]) * (ci[j] - c3[j]);
            CHECK(qw == qc && sqrt(diff) <= (near ? 1e-9 * sqrt((double)d) * (1 + 1e-6) + 1e-12 : 1e-12) * vn,
                  "n %d d %d cone %d: warm start %d from the maps off by %g", (int)n, (int)d, (int)i, near, sqrt(diff));
            /* on the subspace: every row of the set at 0 */
            for (PetscInt t = 0; t < qw; t++) {
              double a = 0;
              for (PetscInt j = 0; j < d; j++) a += pr.X[J1[t] + (size_t)j * n] * ci[j];
              CHECK(fabs(a) <= 1e-12 * vn * full.rownorm[J1[t]], "n %d d %d cone %d: warm start %d leaves row %d "
                    "at %g", (int)n, (int)d, (int)i, near, (int)J1[t], a);
            }
          }
        }
      }
      /* the next trial warm-starts from this point's active set */
      PetscCall(CvxConeProject(&full, &w, i, v, c3, J2, &q2, &ok2));
      memcpy(Jp, J2, sizeof(PetscInt) * (size_t)q2);
      qp = q2;
      /* the solve that stops below a bound, from no warm start: below the
       * norm of P_K(v) it finishes with P_K(v); above it, it stops at a
       * norm between the two */
      double pn = sqrt(Dot(d, c2, c2));
      for (int b = 0; b < 2 && pn > 0; b++) {
        double    bound = b == 0 ? 0.99 * pn : pn + 0.5 * (vn - pn);
        PetscInt  q3    = 0;
        PetscBool ok3, below;
        PetscCall(CvxConeProjectBelow(&full, &w, i, v, c3, J1, &q3, bound, &ok3, &below));
        double c3n = sqrt(Dot(d, c3, c3));
        diff       = 0;
        for (PetscInt j = 0; j < d; j++) diff += (c3[j] - c2[j]) * (c3[j] - c2[j]);
        if (b == 0)
          CHECK(ok3 && !below && sqrt(diff) <= 1e-9 * vn, "n %d d %d cone %d: bound below the projection: below %d, "
                "result off by %g", (int)n, (int)d, (int)i, (int)below, sqrt(diff));
        else
          CHECK(ok3 && (below ? (c3n >= pn * (1 - 1e-12) && c3n <= bound) : sqrt(diff) <= 1e-9 * vn),
                "n %d d %d cone %d: bound %g above the projection's norm %g: below %d, norm %g", (int)n, (int)d, (int)i,
                bound, pn, (int)below, c3n);
        if (b == 1 && below) nbelow++;
      }
      /* past cs->stop_time the solve stops at its first relaxation (here,
       * from no warm start, before any step): an upper bound on the norm */
      {
        PetscInt   q4 = 0;
        PetscBool  ok4, below4;
        PetscInt64 timed0 = full.timed;
        full.stop_time    = 0; /* long past */
        PetscCall(CvxConeProjectBelow(&full, &w, i, v, c3, J1, &q4, 0.0, &ok4, &below4));
        full.stop_time = INFINITY;
        double c4n     = sqrt(Dot(d, c3, c3));
        CHECK(ok4 && !below4 && full.timed == timed0 + 1 && c4n >= pn * (1 - 1e-12),
              "n %d d %d cone %d: stopped by time: ok %d below %d timed %lld, norm %g against %g", (int)n, (int)d,
              (int)i, (int)ok4, (int)below4, (long long)(full.timed - timed0), c4n, pn);
      }
    }
  }
  if (d > 3) CHECK(nbelow > 0, "n %d d %d: no projection stopped early below its bound", (int)n, (int)d);
  CHECK(cache.hits >= pr.P, "n %d d %d: the factor cache served %lld of %d repeated solves", (int)n, (int)d,
        (long long)cache.hits, (int)(18 * pr.P));
  CHECK(cache.fast >= pr.P, "n %d d %d: the fast maps served %lld of %d repeated solves", (int)n, (int)d,
        (long long)cache.fast, (int)(24 * pr.P));
  CHECK(cache.bounded >= pr.P, "n %d d %d: the multiplier bound settled %lld of %d warm starts", (int)n, (int)d,
        (long long)cache.bounded, (int)(12 * pr.P));
  PetscCall(CvxConeCacheDestroy(&cache));
  PetscCall(PetscFree2(vp, cq));
  PetscCall(PetscFree(Jp));
  PetscCall(PetscFree(Jc));
  if (d <= 3) CHECK(nreduced == pr.P, "n %d d %d: only %d of %d cones reduced", (int)n, (int)d, (int)nreduced, (int)pr.P);
  PetscCall(PetscFree(v));
  PetscCall(PetscFree(c1));
  PetscCall(PetscFree(c2));
  PetscCall(PetscFree(c3));
  PetscCall(PetscFree(p));
  PetscCall(PetscFree(ci));
  PetscCall(PetscFree(J1));
  PetscCall(PetscFree(J2));
  PetscCall(CvxConeWorkDestroy(&w));
  PetscCall(CvxConeSetDestroy(&red));
  PetscCall(CvxConeSetDestroy(&full));
  TestProblemDestroy(&pr);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  /* the last two reach the BLAS path of the active-set QR (d q >= 256) */
  const PetscInt cases[][3] = {{30, 1, 1}, {30, 1, 0}, {40, 2, 1}, {40, 2, 0}, {80, 3, 0},
                               {70, 3, 1}, {50, 5, 1}, {60, 9, 1}, {200, 60, 1}, {300, 100, 0}};
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
    if (CheckCase(cases[c][0], cases[c][1], (PetscBool)cases[c][2], 100 + c)) failures++;
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
