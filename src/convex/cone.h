/* The polyhedral cones of the convex program and projections onto them.
 *
 * Pattern i (0/1 vector d_i of length n) defines the cone
 *
 *     K_i = { z in R^d : (2 D_i - I) X z >= 0 },
 *
 * i.e. the constraints a_k^T z >= 0 with a_k = s_k x_k, s_k = 2 d_ik - 1 and
 * x_k the k-th row of X. Both blocks v_i and w_i of the program live in K_i.
 *
 * Projection P_K(v) is computed by Moreau's decomposition through the polar
 * cone K° = { -A^T lam : lam >= 0 }: P_K(v) = v + A^T lam* with lam* the
 * solution of the nonnegative least-squares problem min_{lam >= 0}
 * ||v + A^T lam||. It is solved by a dual active-set method (the Goldfarb-
 * Idnani / Lawson-Hanson scheme for an identity Hessian): every iterate is
 * the exact projection onto the cone of its active constraints, so ||c|| is
 * never below ||P_K(v)|| (which keeps the duality certificate safe even when
 * a solve is cut short); the active set of the previous call warm-starts the
 * next. A full pass over the n rows (one n x d product) finds the violated
 * ones; up to 64 of them, most violated first, are added before the next
 * pass, each checked again at the current point (d flops). The passes
 * after the first bound each row from the last full one and the step
 * since, and compute only the rows near their constraint. A row that
 * leaves the active set is removed from the QR factors by Givens rotations,
 * and a CvxConeCache keeps each warm-start set's factors between calls: on
 * benchmark (d) (n = 2000, d = 51) these took the cone splitting from 198
 * to 659 iterations in 30 s. The same solver with the constraints
 * a_k^T z >= ||a_k|| yields an interior direction of the cone.
 *
 * For d <= 3 each cone is first reduced to its facets (the extreme rays of
 * cone{a_k}, found exactly from a gnomonic projection through an interior
 * direction: the two extreme points on a line for d = 2, a 2-D convex hull
 * for d = 3), so a projection costs O(facets * d) instead of O(n d). Cones
 * without interior (rare, degenerate data) keep all n constraints.
 */
#ifndef CVXNN_CONVEX_CONE_H
#define CVXNN_CONVEX_CONE_H

#include <petscsys.h>
#include <stdint.h>

typedef struct {
  PetscInt        n, d;    /* samples, columns of X */
  PetscInt        np;      /* number of cones (local patterns) */
  PetscInt        words;   /* 64-bit words per pattern */
  const double   *X;       /* n x d column-major (not owned) */
  double         *Xrow;    /* the same rows, row-major (row k at Xrow + k d): a
                              single row read from X strides n doubles per
                              entry, one cache line each */
  const uint64_t *bits;    /* np patterns (not owned) */
  const double   *dm;      /* the same patterns as 0/1 doubles, n per cone (not owned; NULL = none): when the
                              caller sets it, a full pass over the rows applies the signs in a loop that
                              vectorizes instead of reading bits */
  double         *rownorm; /* ||x_k||, k < n */
  double         *rowinv;  /* 1 / ||x_k|| (0 for a row of norm 0) */
  PetscBool      *reduced; /* cone i uses its facet list */
  PetscInt       *foff;    /* np + 1 offsets into facets */
  double         *facets;  /* unit facet normals, d doubles each */
  double         *interior;     /* d x np unit interior directions (zero when none was found) */
  PetscInt        max_steps;    /* cap on active-set steps per solve */
  double          stop_time;    /* wall time (CvxWallTime) past which CvxConeProjectBelow stops early, see there;
                                   INFINITY (the default) = never */
  /* statistics, accumulated by every solve; timed: solves stopped by stop_time */
  PetscInt64 solves, steps, capped, timed;
} CvxConeSet;

/* QR factorizations of active sets kept from one solve to the next, one
 * slot per warm-start set of the caller (e.g. one per block). A warm start
 * whose set is the one a slot holds takes the factors from there instead of
 * refactoring its q rows (2 d q^2 flops, most of a projection's time when
 * the set barely changes, as between ADMM iterations); the projection onto
 * the set's subspace then costs two products with Q. The factors are not
 * copied: a slot's buffers and the solver's scratch space trade places.
 *
 * With fast maps (CvxConeCacheCreate's maps), a set that solves kept
 * unchanged twice in a row also gets M = R^{-1} Q^T (q x d), whose product
 * with v is minus the multipliers, and, when q >= d / 2, an orthonormal
 * basis N (d x (d - q)) of the set's null space: the next warm start on it
 * is then one product with M and, when no multiplier is negative, two thin
 * ones with N (c = N N^T v). On benchmark (d) (d = 51) the sets hold about
 * 48 rows, and the Q and R a warm start reads (about 30 kB a block, from
 * memory) made it most of an iteration's projection time. A warm start
 * only (CvxConeProjectWarm) skips even M: the multipliers are linear in v,
 * lam(v) = lam(v_ref) - M (v - v_ref), so none is negative while
 * ||v - v_ref|| max_j ||M_j|| stays below the smallest multiplier at the
 * last point v_ref where they were computed.
 * About 2 d^2 + 3 d numbers per slot, d^2 + d + 2 more with the maps,
 * 3 CVX_CONE_NEAR_ROWS + 2 more with the lists of rows, and
 * (d + CVX_CONE_NEAR_ROWS) CVX_CONE_SUB_MAX + 1 for their null-space
 * weights. */
typedef struct {
  PetscInt  d, nslots;
  PetscInt *q;    /* rows factored per slot; -1 = empty */
  PetscInt *cone; /* the cone each slot's rows belong to */
  PetscInt *J;    /* d x nslots: the rows, in factorization order */
  double  **Q;    /* per slot, d x d: Q (d x q) of the rows' QR (leading dimension d) */
  double  **R;    /* per slot, d x d: R (upper q x q, leading dimension d) */
  double  **MN;   /* per slot, d x d, NULL without maps: M (q x d, leading dimension q), then N (d x (d - q)) when
                     q >= d / 2 */
  PetscBool *mn;  /* the slot's maps are those of its set */
  PetscInt  *streak; /* solves in a row that kept the slot's set (the maps come at the second) */
  double    *vref;       /* d x nslots: the last point whose multipliers were computed from M */
  double    *lref, *mrow; /* per slot: its smallest multiplier (<= 0: no reference), max_j ||M_j|| */
  /* for the caller's feasibility checks: a point of the set's subspace
   * (d x nslots) whose normalized slack in every constraint outside the
   * set, except up to CVX_CONE_NEAR_ROWS listed rows (near, with their
   * slacks there in sval and their signs over their norms in swt: nnear
   * per slot, the rows of lowest slack; these five arrays are NULL in a
   * cache created without the lists), is at least sref (per slot; <= 0:
   * none). The solves reset sref whenever the slot's set changes; the
   * caller records the point and its rows, and keeps in stau where it cut
   * the list last. */
  double    *cref, *sref, *sval, *swt, *stau;
  PetscInt  *near, *nnear;
  /* with the lists, when the caller had the set's null-space basis N
   * (d x r, r <= CVX_CONE_SUB_MAX) at the recorded point: N (d x
   * CVX_CONE_SUB_MAX per slot, nsub = r; 0 = none) and, per listed row,
   * its weight times N^T x_k (CVX_CONE_SUB_MAX per row). A later point
   * of the same set differs from c_ref by N delta, so each listed row's
   * slack there is its slack at c_ref plus r products. */
  double    *sbasis, *swk;
  PetscInt  *nsub;
  PetscInt64 hits, misses, fast; /* fast: warm starts done by the maps alone */
  PetscInt64 bounded;            /* of those, warm starts only whose multipliers the bound settled */
} CvxConeCache;

/* Scratch space of one solver (not thread-safe; one per caller). */
typedef struct {
  PetscInt d, n;
  double  *Q, *R, *lam, *c, *rem, *r, *tmp, *arow, *vals, *orth;
  PetscInt *J;
  double   *cval; /* n: violations of the candidate rows */
  PetscInt *cidx; /* n: candidate rows */
  double   *rvals, *rc; /* n, d: a solve's last full pass (or seed) and its point, for the passes after it */
  /* the cache slot of the next solve: the caller sets both before a call
   * (cache NULL = none); the solve reads and refreshes the slot */
  CvxConeCache *cache;
  PetscInt      slot;
  /* X c (n) at the point c the next solve receives in its output buffer
   * (the point its warm start reaches), when the caller has it (a bulk
   * check; entries may be +-inf for rows the caller knows to hold): its
   * first pass over the rows takes these values instead of a product.
   * NULL = none; the next solve clears it. A seeded pass does not end a
   * solve; the passes after it bound every row from these values (or
   * those of a later full pass) and the step since, and compute only the
   * rows near their constraint (a d-flop product each). */
  const double *seed;
} CvxConeWork;

/* Rows of lowest slack a cache slot keeps for the caller's checks. */
#define CVX_CONE_NEAR_ROWS 64
/* Largest null space (d - q) whose basis a slot keeps with its rows. */
#define CVX_CONE_SUB_MAX 8

/* Allocates nslots empty slots for cones in R^d, with the fast maps when
 * maps is true and the lists of rows of lowest slack when near is true;
 * CvxConeCacheBytes tells the size first. Not collective. */
/* Whether the wall time has passed stop_time (never when it is infinite),
 * for work on blocks of d columns: at small d the clock is read only every
 * few calls (cone.c). The projections' stop checks. Not collective. */
PetscBool CvxConePast(double stop_time, PetscInt d);

PetscErrorCode CvxConeCacheCreate(PetscInt d, PetscInt nslots, PetscBool maps, PetscBool near, CvxConeCache *cache);
PetscErrorCode CvxConeCacheDestroy(CvxConeCache *cache);
double         CvxConeCacheBytes(PetscInt d, PetscInt nslots, PetscBool maps, PetscBool near);
/* Empties slot (when the caller changes the slot's warm-start set itself). */
static inline void CvxConeCacheClear(CvxConeCache *cache, PetscInt slot)
{
  if (cache && cache->q) {
    cache->q[slot]      = -1;
    cache->mn[slot]     = PETSC_FALSE;
    cache->sref[slot]   = -1;
    cache->streak[slot] = 0;
  }
}

/* Builds the cones of patterns bits[0..np) over X (n x d); with reduce, cones
 * of d <= 3 are reduced to their facets and interior directions are computed
 * for every cone. Not collective. */
PetscErrorCode CvxConeSetCreate(PetscInt n, PetscInt d, const double *X, PetscInt np, PetscInt words,
                                const uint64_t *bits, PetscBool reduce, CvxConeSet *cs);

/* Frees the cone set. Not collective. */
PetscErrorCode CvxConeSetDestroy(CvxConeSet *cs);

/* Allocates / frees solver scratch space for dimension d and n samples. */
PetscErrorCode CvxConeWorkCreate(PetscInt n, PetscInt d, CvxConeWork *w);
PetscErrorCode CvxConeWorkDestroy(CvxConeWork *w);

/* c = P_{K_i}(v) (c may not alias v). J[0..*q) is the warm-start active set
 * on input (pass *q = 0 for none; J has room for d entries) and the final
 * active set on output. *ok is PETSC_FALSE when the step cap was hit: c is
 * then the projection onto a relaxation of K_i (||c|| >= ||P_K(v)||) and may
 * be slightly infeasible. Not collective. */
PetscErrorCode CvxConeProject(CvxConeSet *cs, CvxConeWork *w, PetscInt i, const double *v, double *c, PetscInt *J,
                              PetscInt *q, PetscBool *ok);

/* CvxConeProject that may stop early: once the projection onto the
 * relaxation of K_i given by the working set has norm <= bound (> 0),
 * *below is PETSC_TRUE and c is that projection, so that
 * ||P_K(v)|| <= ||c|| <= bound (c need not lie in K_i). Otherwise *below is
 * PETSC_FALSE and the result is that of CvxConeProject. For callers that
 * only need to know whether ||P_K(v)|| exceeds bound. Once the wall time
 * passes cs->stop_time the solve also stops, at the projection onto its
 * working set's relaxation (*ok true, *below false, cs->timed counts it):
 * then only ||P_K(v)|| <= ||c|| holds, for callers that can use an upper
 * bound on the norm. Not collective. */
PetscErrorCode CvxConeProjectBelow(CvxConeSet *cs, CvxConeWork *w, PetscInt i, const double *v, double *c,
                                   PetscInt *J, PetscInt *q, double bound, PetscBool *ok, PetscBool *below);

/* The warm-start phase of CvxConeProject only: c = projection onto the
 * subspace cone of the active set J (pruned to nonnegative multipliers).
 * When c satisfies every constraint it is P_{K_i}(v); callers check that in
 * bulk (one GEMM for many blocks) and finish the others with
 * CvxConeProject. Past cs->stop_time it stops with c = v (cs->timed counts
 * it), which keeps ||c|| >= ||P_{K_i}(v)||. Not collective. */
PetscErrorCode CvxConeProjectWarm(CvxConeSet *cs, CvxConeWork *w, PetscInt i, const double *v, double *c, PetscInt *J,
                                  PetscInt *q);

/* Largest violation max_k (-a_k^T c / ||a_k||) of cone i's constraints at c
 * over all n rows (<= 0 means feasible). Not collective. */
PetscErrorCode CvxConeViolation(const CvxConeSet *cs, CvxConeWork *w, PetscInt i, const double *c, double *viol);

/* Unit interior direction of cone i (a_k^T c > 0 for all nonzero rows), or
 * *found = PETSC_FALSE when the cone has no interior. Not collective. */
PetscErrorCode CvxConeInterior(CvxConeSet *cs, CvxConeWork *w, PetscInt i, double *c, PetscBool *found);

/* Sign s_k = 2 d_ik - 1 of row k in cone i. */
static inline double CvxConeSign(const CvxConeSet *cs, PetscInt i, PetscInt k)
{
  const uint64_t *p = cs->bits + (size_t)i * (size_t)cs->words;
  return ((p[k / 64] >> (k % 64)) & 1u) ? 1.0 : -1.0;
}

#endif
