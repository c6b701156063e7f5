/* CIFAR-10, binary version: data_batch_1.bin .. data_batch_5.bin and
 * test_batch.bin, records of 1 label byte and 3072 pixel bytes (1024 red,
 * 1024 green, 1024 blue, each 32 x 32 row-major).
 *
 * Two passes: the first checks the file sizes and reads the label bytes,
 * so the selected records are counted before anything of their size is
 * allocated; the second reads the pixels of the selected records. */
#include "data/sources.h"
#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define CIFAR_PIXELS 3072
#define CIFAR_RECORD (CIFAR_PIXELS + 1)
#define CIFAR_FILES 6  /* five training batches, then the test batch */
#define CIFAR_CHUNK 64 /* records per read in the label pass */

typedef struct {
  char           path[CIFAR_FILES][CVX_PATH_MAX];
  FILE          *f[CIFAR_FILES];
  size_t         records[CIFAR_FILES];
  unsigned char *labels[2]; /* training, test: one byte per record */
  signed char   *keep[2];   /* -1, +1 for a selected record, else 0 */
  unsigned char *buf;       /* CIFAR_CHUNK records */
} CifarState;

static PetscErrorCode CifarStateFree(CifarState *st)
{
  PetscFunctionBeginUser;
  for (int k = 0; k < CIFAR_FILES; k++) {
    if (st->f[k]) fclose(st->f[k]);
    st->f[k] = NULL;
  }
  for (int s = 0; s < 2; s++) {
    PetscCall(PetscFree(st->labels[s]));
    PetscCall(PetscFree(st->keep[s]));
  }
  PetscCall(PetscFree(st->buf));
  PetscFunctionReturn(0);
}

/* Opens batch file k and checks that its size is a whole number of records. */
static PetscErrorCode CifarOpen(const char *folder, int k, CifarState *st)
{
  struct stat sb;
  int         len;

  PetscFunctionBeginUser;
  if (k < 5)
    len = snprintf(st->path[k], CVX_PATH_MAX, "%s/data_batch_%d.bin", folder, k + 1);
  else
    len = snprintf(st->path[k], CVX_PATH_MAX, "%s/test_batch.bin", folder);
  PetscCheck(len > 0 && len < CVX_PATH_MAX, PETSC_COMM_SELF, CVX_ERR_INPUT, "data.path '%s' is too long", folder);
  st->f[k] = fopen(st->path[k], "rb");
  PetscCheck(st->f[k], PETSC_COMM_SELF, CVX_ERR_FILE, "cannot open CIFAR-10 file '%s': %s", st->path[k],
             strerror(errno));
  PetscCheck(fstat(fileno(st->f[k]), &sb) == 0, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot stat '%s': %s", st->path[k],
             strerror(errno));
  PetscCheck(S_ISREG(sb.st_mode), PETSC_COMM_SELF, CVX_ERR_FILE, "'%s' is not a regular file", st->path[k]);
  PetscCheck(sb.st_size % CIFAR_RECORD == 0, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: size %lld bytes is not a multiple of the %d-byte CIFAR-10 record (truncated or not a CIFAR-10 "
             "binary batch)",
             st->path[k], (long long)sb.st_size, CIFAR_RECORD);
  st->records[k] = (size_t)(sb.st_size / CIFAR_RECORD);
  PetscFunctionReturn(0);
}

/* Reads the label bytes of file k into labels[0..records[k]). */
static PetscErrorCode CifarReadLabels(CifarState *st, int k, unsigned char *labels)
{
  FILE *f = st->f[k];

  PetscFunctionBeginUser;
  for (size_t r = 0; r < st->records[k]; r += CIFAR_CHUNK) {
    size_t want = st->records[k] - r < CIFAR_CHUNK ? st->records[k] - r : CIFAR_CHUNK;
    size_t got  = fread(st->buf, CIFAR_RECORD, want, f);

    PetscCheck(got == want, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: unexpected end of file at record %zu", st->path[k],
               r + got + 1);
    for (size_t q = 0; q < want; q++) {
      unsigned char label = st->buf[q * CIFAR_RECORD];
      PetscCheck(label <= 9, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: record %zu has label %d (expected 0..9)", st->path[k],
                 r + q + 1, (int)label);
      labels[r + q] = label;
    }
  }
  PetscFunctionReturn(0);
}

/* Reads the pixels of the selected records of files [first, last) into the
 * n x 3072 column-major X and their labels into y. */
static PetscErrorCode CifarReadPixels(CifarState *st, int first, int last, const signed char *keep, size_t n, double *X,
                                      double *y)
{
  size_t rec = 0, i = 0;

  PetscFunctionBeginUser;
  for (int k = first; k < last; k++) {
    for (size_t r = 0; r < st->records[k]; r++, rec++) {
      if (!keep[rec]) continue;
      PetscCheck(fseeko(st->f[k], (off_t)r * CIFAR_RECORD + 1, SEEK_SET) == 0, PETSC_COMM_SELF, CVX_ERR_FILE,
                 "%s: cannot seek to record %zu: %s", st->path[k], r + 1, strerror(errno));
      PetscCheck(fread(st->buf, 1, CIFAR_PIXELS, st->f[k]) == CIFAR_PIXELS, PETSC_COMM_SELF, CVX_ERR_DATA,
                 "%s: unexpected end of file in record %zu", st->path[k], r + 1);
      for (size_t j = 0; j < CIFAR_PIXELS; j++)
        X[i + j * n] = (double)st->buf[j];
      y[i] = (double)keep[rec];
      i++;
    }
  }
  PetscFunctionReturn(0);
}

/* The body of CvxDatasetReadCifar10; st is released by the caller. */
static PetscErrorCode CifarLoad(const CvxConfig *cfg, CifarState *st, CvxDataset *ds)
{
  const char *folder   = cfg->data.path;
  size_t      count[2] = {0, 0}, n_keep[2], off = 0;
  char        train_what[CVX_PATH_MAX + 64];

  PetscFunctionBeginUser;
  PetscCheck(folder[0] != '\0', PETSC_COMM_SELF, CVX_ERR_INPUT,
             "data.path is empty: cifar10 needs the folder of the binary batches");
  PetscCall(CvxDataCheckClassKeys(cfg, 9));
  for (int k = 0; k < CIFAR_FILES; k++) {
    PetscCall(CifarOpen(folder, k, st));
    count[k < 5 ? 0 : 1] += st->records[k];
  }
  PetscCall(PetscMalloc1((size_t)CIFAR_CHUNK * CIFAR_RECORD, &st->buf));
  for (int s = 0; s < 2; s++) {
    PetscCall(PetscMalloc1(count[s], &st->labels[s]));
    PetscCall(PetscMalloc1(count[s], &st->keep[s]));
  }
  for (int k = 0; k < 5; k++) {
    PetscCall(CifarReadLabels(st, k, st->labels[0] + off));
    off += st->records[k];
  }
  PetscCall(CifarReadLabels(st, 5, st->labels[1]));

  PetscCall(PetscSNPrintf(train_what, sizeof(train_what), "%s/data_batch_1.bin..data_batch_5.bin", folder));
  PetscCall(CvxDataSelectClasses(st->labels[0], count[0], cfg->data.classes, cfg->data.per_class, cfg->data.n_train,
                                 train_what, "data.per_class", "data.n_train", st->keep[0], &n_keep[0]));
  PetscCall(CvxDataSelectClasses(st->labels[1], count[1], cfg->data.classes, cfg->data.test_per_class, cfg->data.n_test,
                                 st->path[5], "data.test_per_class", "data.n_test", st->keep[1], &n_keep[1]));

  PetscCall(CvxDatasetAllocate(ds, n_keep[0], CIFAR_PIXELS, n_keep[1], folder));
  PetscCall(CifarReadPixels(st, 0, 5, st->keep[0], n_keep[0], ds->X, ds->y));
  PetscCall(CifarReadPixels(st, 5, 6, st->keep[1], n_keep[1], ds->Xtest, ds->ytest));
  ds->classification = PETSC_TRUE;
  PetscCall(PetscSNPrintf(ds->description, sizeof(ds->description),
                          "cifar10 %s (%zu train / %zu test records) classes %d,%d: %d train, %d test samples", folder,
                          count[0], count[1], (int)cfg->data.classes[0], (int)cfg->data.classes[1], (int)ds->n,
                          (int)ds->n_test));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDatasetReadCifar10(const CvxConfig *cfg, CvxDataset *ds)
{
  CifarState     st;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  memset(&st, 0, sizeof(st));
  ierr = CifarLoad(cfg, &st, ds);
  PetscCall(CifarStateFree(&st));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
