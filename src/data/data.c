/* Data sets: dispatch to the reader of the configured source, validation,
 * and the broadcast that gives every rank the same arrays. */
#include "data/sources.h"
#include "core/error.h"

#include <stdint.h>
#include <string.h>

/* Largest number of doubles sent by one MPI_Bcast (counts are int). */
#define CVX_BCAST_CHUNK ((size_t)1 << 26)

PetscErrorCode CvxDataSizeMul(size_t a, size_t b, const char *what, size_t *prod)
{
  PetscFunctionBeginUser;
  PetscCheck(b == 0 || a <= SIZE_MAX / b, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: size %zu x %zu overflows", what, a, b);
  *prod = a * b;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDatasetAllocate(CvxDataset *ds, size_t n, size_t d, size_t n_test, const char *what)
{
  const size_t max_doubles = SIZE_MAX / sizeof(double);

  PetscFunctionBeginUser;
  PetscCheck(n <= (size_t)PETSC_MAX_INT && n_test <= (size_t)PETSC_MAX_INT && d < (size_t)PETSC_MAX_INT,
             PETSC_COMM_SELF, CVX_ERR_INPUT,
             "%s: %zu training samples, %zu test samples and %zu features: a count exceeds %d", what, n, n_test, d,
             (int)PETSC_MAX_INT);
  PetscCheck(n == 0 || d + 1 <= max_doubles / n, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "%s: a %zu x %zu training matrix is too large", what, n, d + 1);
  PetscCheck(n_test == 0 || d + 1 <= max_doubles / n_test, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "%s: a %zu x %zu test matrix is too large", what, n_test, d + 1);
  ds->n      = (PetscInt)n;
  ds->d      = (PetscInt)d;
  ds->d_raw  = (PetscInt)d;
  ds->n_test = (PetscInt)n_test;
  PetscCall(PetscMalloc1(n * d, &ds->X));
  PetscCall(PetscMalloc1(n, &ds->y));
  if (n_test > 0) {
    PetscCall(PetscMalloc1(n_test * d, &ds->Xtest));
    PetscCall(PetscMalloc1(n_test, &ds->ytest));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDataCheckClassKeys(const CvxConfig *cfg, PetscInt max_label)
{
  const PetscInt *c = cfg->data.classes;

  PetscFunctionBeginUser;
  for (int k = 0; k < 2; k++)
    PetscCheck(c[k] >= 0 && c[k] <= max_label, PETSC_COMM_SELF, CVX_ERR_INPUT,
               "data.classes[%d] = %d is not a class label of this source (0..%d)", k, (int)c[k], (int)max_label);
  PetscCheck(c[0] != c[1], PETSC_COMM_SELF, CVX_ERR_INPUT, "data.classes = [%d, %d] names one class twice", (int)c[0],
             (int)c[1]);
  PetscCheck(cfg->data.per_class >= 0, PETSC_COMM_SELF, CVX_ERR_INPUT, "data.per_class = %d is negative",
             (int)cfg->data.per_class);
  PetscCheck(cfg->data.test_per_class >= 0, PETSC_COMM_SELF, CVX_ERR_INPUT, "data.test_per_class = %d is negative",
             (int)cfg->data.test_per_class);
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDataSelectClasses(const unsigned char *labels, size_t count, const PetscInt classes[2],
                                    PetscInt per_class, PetscInt cap, const char *what, const char *per_key,
                                    const char *cap_key, signed char *keep, size_t *n_keep)
{
  size_t avail[2] = {0, 0}, taken[2] = {0, 0}, kept = 0, eligible;

  PetscFunctionBeginUser;
  for (size_t i = 0; i < count; i++) {
    int k   = labels[i] == classes[0] ? 0 : labels[i] == classes[1] ? 1 : -1;
    keep[i] = 0;
    if (k < 0) continue;
    avail[k]++;
    if (per_class > 0 && taken[k] >= (size_t)per_class) continue;
    taken[k]++;
    if (cap > 0 && kept >= (size_t)cap) continue;
    keep[i] = (signed char)(k == 0 ? -1 : 1);
    kept++;
  }
  for (int k = 0; k < 2; k++) {
    PetscCheck(avail[k] > 0, PETSC_COMM_SELF, CVX_ERR_INPUT, "%s holds no records of class %d", what, (int)classes[k]);
    PetscCheck(per_class == 0 || avail[k] >= (size_t)per_class, PETSC_COMM_SELF, CVX_ERR_INPUT,
               "%s: %s = %d but class %d has only %zu records", what, per_key, (int)per_class, (int)classes[k],
               avail[k]);
  }
  eligible = taken[0] + taken[1];
  PetscCheck(cap == 0 || eligible >= (size_t)cap, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "%s: %s = %d but only %zu records of classes %d and %d are available", what, cap_key, (int)cap, eligible,
             (int)classes[0], (int)classes[1]);
  *n_keep = kept;
  PetscFunctionReturn(0);
}

typedef struct {
  const CvxConfig *cfg;
  CvxConfig        resolved; /* cfg with the source-dependent sizes filled in */
  CvxDataset       ds;
} LoadContext;

/* Reads and preprocesses the data set on the calling rank (rank 0 of the
 * load). Errors are raised on PETSC_COMM_SELF. */
static PetscErrorCode LoadOnRoot(void *ptr)
{
  LoadContext     *ctx    = (LoadContext *)ptr;
  const CvxConfig *cfg    = ctx->cfg;
  CvxDataset      *ds     = &ctx->ds;
  PetscBool        pixels = PETSC_FALSE;
  const char      *what   = cfg->data.path;
  size_t           len;

  PetscFunctionBeginUser;
  PetscCheck(cfg->data.n_train >= -1, PETSC_COMM_SELF, CVX_ERR_INPUT, "data.n_train = %d is negative",
             (int)cfg->data.n_train);
  PetscCheck(cfg->data.n_test >= -1, PETSC_COMM_SELF, CVX_ERR_INPUT, "data.n_test = %d is negative",
             (int)cfg->data.n_test);
  /* -1 (the default) means the source's own default: 20 samples for
   * synthetic data, everything for files. The readers see resolved sizes. */
  ctx->resolved = *cfg;
  if (cfg->data.n_train < 0) ctx->resolved.data.n_train = cfg->data.source == CVX_DATA_SYNTHETIC ? 20 : 0;
  if (cfg->data.n_test < 0) ctx->resolved.data.n_test = cfg->data.source == CVX_DATA_SYNTHETIC ? 20 : 0;
  cfg = &ctx->resolved;
  switch (cfg->data.source) {
  case CVX_DATA_SYNTHETIC:
    PetscCall(CvxDatasetReadSynthetic(cfg, ds));
    what = "synthetic data";
    break;
  case CVX_DATA_CSV:
    PetscCall(CvxDatasetReadCsv(cfg, ds));
    break;
  case CVX_DATA_CIFAR10:
    PetscCall(CvxDatasetReadCifar10(cfg, ds));
    pixels = PETSC_TRUE;
    break;
  case CVX_DATA_IDX:
    PetscCall(CvxDatasetReadIdx(cfg, ds));
    pixels = PETSC_TRUE;
    break;
  default:
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_INPUT, "data.source = %d is not a known data source", (int)cfg->data.source);
  }
  PetscCall(CvxDatasetPreprocess(cfg, pixels, ds));
  PetscCall(CvxDatasetCheckFinite(ds, what));
  len = strlen(ds->description);
  if (ds->has_bias)
    PetscCall(
        PetscSNPrintf(ds->description + len, sizeof(ds->description) - len, ", %d + bias columns", (int)ds->d_raw));
  else
    PetscCall(PetscSNPrintf(ds->description + len, sizeof(ds->description) - len, ", %d columns", (int)ds->d));
  PetscFunctionReturn(0);
}

/* Broadcasts count doubles from rank 0 of comm, in chunks that fit an int. */
static PetscErrorCode BcastDoubles(MPI_Comm comm, double *a, size_t count)
{
  PetscFunctionBeginUser;
  for (size_t off = 0; off < count; off += CVX_BCAST_CHUNK) {
    size_t chunk = count - off < CVX_BCAST_CHUNK ? count - off : CVX_BCAST_CHUNK;
    PetscCallMPI(MPI_Bcast(a + off, (int)chunk, MPI_DOUBLE, 0, comm));
  }
  PetscFunctionReturn(0);
}

/* Allocates the arrays of a data set whose sizes are set (on ranks other
 * than 0; the sizes were checked on rank 0 by CvxDatasetAllocate). */
static PetscErrorCode AllocateReplica(CvxDataset *ds)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1((size_t)ds->n * (size_t)ds->d, &ds->X));
  PetscCall(PetscMalloc1((size_t)ds->n, &ds->y));
  if (ds->n_test > 0) {
    PetscCall(PetscMalloc1((size_t)ds->n_test * (size_t)ds->d, &ds->Xtest));
    PetscCall(PetscMalloc1((size_t)ds->n_test, &ds->ytest));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDatasetLoad(MPI_Comm comm, const CvxConfig *cfg, CvxDataset *ds)
{
  LoadContext    ctx;
  PetscErrorCode ierr;
  PetscMPIInt    rank, size;
  int64_t        hdr[6];
  int            failed;

  PetscFunctionBeginUser;
  memset(ds, 0, sizeof(*ds));
  memset(&ctx, 0, sizeof(ctx));
  ctx.cfg = cfg;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  ierr = CvxRootRun(comm, LoadOnRoot, &ctx);
  if (ierr) (void)CvxDatasetDestroy(&ctx.ds);
  PetscCall(ierr);
  if (rank == 0) *ds = ctx.ds;
  if (size == 1) PetscFunctionReturn(0);

  hdr[0] = ds->n;
  hdr[1] = ds->d;
  hdr[2] = ds->n_test;
  hdr[3] = ds->d_raw;
  hdr[4] = ds->has_bias;
  hdr[5] = ds->classification;
  PetscCallMPI(MPI_Bcast(hdr, 6, MPI_INT64_T, 0, comm));
  PetscCallMPI(MPI_Bcast(ds->description, (int)sizeof(ds->description), MPI_CHAR, 0, comm));
  if (rank != 0) {
    ds->n              = (PetscInt)hdr[0];
    ds->d              = (PetscInt)hdr[1];
    ds->n_test         = (PetscInt)hdr[2];
    ds->d_raw          = (PetscInt)hdr[3];
    ds->has_bias       = hdr[4] ? PETSC_TRUE : PETSC_FALSE;
    ds->classification = hdr[5] ? PETSC_TRUE : PETSC_FALSE;
    ierr               = AllocateReplica(ds);
  }
  /* Every rank learns whether every rank could allocate, so none waits in
   * the broadcast below for a rank that failed. */
  failed = ierr != 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm));
  if (failed) {
    PetscCall(CvxDatasetDestroy(ds));
    SETERRQ(comm, PETSC_ERR_MEM, "cannot allocate the data set (%d x %d training, %d test samples) on every rank",
            (int)hdr[0], (int)hdr[1], (int)hdr[2]);
  }
  PetscCall(BcastDoubles(comm, ds->X, (size_t)ds->n * (size_t)ds->d));
  PetscCall(BcastDoubles(comm, ds->y, (size_t)ds->n));
  if (ds->n_test > 0) {
    PetscCall(BcastDoubles(comm, ds->Xtest, (size_t)ds->n_test * (size_t)ds->d));
    PetscCall(BcastDoubles(comm, ds->ytest, (size_t)ds->n_test));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDatasetDestroy(CvxDataset *ds)
{
  PetscFunctionBeginUser;
  if (!ds) PetscFunctionReturn(0);
  PetscCall(PetscFree(ds->X));
  PetscCall(PetscFree(ds->y));
  PetscCall(PetscFree(ds->Xtest));
  PetscCall(PetscFree(ds->ytest));
  memset(ds, 0, sizeof(*ds));
  PetscFunctionReturn(0);
}
