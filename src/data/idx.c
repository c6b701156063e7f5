/* MNIST-style IDX files: train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte in one folder, each plain
 * or gzip-compressed (.gz; the plain name wins when both exist). zlib's
 * gzread reads both kinds.
 *
 * Headers are checked before any data is read; for plain files the file
 * size must hold what the header claims. Compressed files are read in
 * bounded chunks and buffers grow only as data actually arrives, so a header
 * that claims more than the file holds fails at the end of the data instead
 * of causing a huge allocation. */
#include "data/sources.h"
#include "core/error.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define IDX_MAGIC_IMAGES 0x00000803u     /* unsigned bytes, 3 dimensions */
#define IDX_MAGIC_LABELS 0x00000801u     /* unsigned bytes, 1 dimension */
#define IDX_MAX_PIXELS ((size_t)1 << 24) /* largest accepted rows x cols */
#define IDX_CHUNK ((size_t)1 << 20)      /* bytes per read and first allocation */

typedef struct {
  char      path[CVX_PATH_MAX];
  gzFile    gz;
  PetscBool direct;     /* the file is not compressed */
  size_t    file_size;  /* bytes on disk (plain files) */
  size_t    count;      /* items the header claims */
  size_t    rows, cols; /* image files */
  size_t    header;     /* header bytes */
} IdxFile;

typedef struct {
  IdxFile        images[2], labels[2]; /* training, test */
  unsigned char *label[2];             /* label bytes */
  signed char   *keep[2];              /* -1, +1 for a selected image, else 0 */
  unsigned char *pixels[2];            /* selected images, one after the other */
  unsigned char *buf;                  /* one image */
} IdxState;

static PetscErrorCode IdxStateFree(IdxState *st)
{
  PetscFunctionBeginUser;
  for (int s = 0; s < 2; s++) {
    if (st->images[s].gz) gzclose(st->images[s].gz);
    if (st->labels[s].gz) gzclose(st->labels[s].gz);
    st->images[s].gz = st->labels[s].gz = NULL;
    PetscCall(PetscFree(st->label[s]));
    PetscCall(PetscFree(st->keep[s]));
    PetscCall(PetscFree(st->pixels[s]));
  }
  PetscCall(PetscFree(st->buf));
  PetscFunctionReturn(0);
}

/* Reads up to len bytes; *got < len only at the end of the data. */
static PetscErrorCode IdxRead(IdxFile *f, void *buf, size_t len, size_t *got)
{
  PetscFunctionBeginUser;
  *got = 0;
  while (*got < len) {
    size_t      want = len - *got < IDX_CHUNK ? len - *got : IDX_CHUNK;
    int         r    = gzread(f->gz, (unsigned char *)buf + *got, (unsigned)want);
    int         zerr = Z_OK;
    const char *msg;

    if (r < 0) {
      msg = gzerror(f->gz, &zerr);
      SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s: read error: %s", f->path, zerr == Z_ERRNO ? strerror(errno) : msg);
    }
    if (r == 0) break;
    *got += (size_t)r;
  }
  PetscFunctionReturn(0);
}

/* " (uncompressed)" for a compressed file, for byte counts in messages. */
static const char *IdxUnit(const IdxFile *f)
{
  return f->direct ? "" : " (uncompressed)";
}

/* Opens folder/name, or folder/name.gz when the plain file does not exist. */
static PetscErrorCode IdxOpen(const char *folder, const char *name, IdxFile *f)
{
  struct stat sb;
  int         len;

  PetscFunctionBeginUser;
  len = snprintf(f->path, sizeof(f->path), "%s/%s", folder, name);
  PetscCheck(len > 0 && (size_t)len + 3 < sizeof(f->path), PETSC_COMM_SELF, CVX_ERR_INPUT, "data.path '%s' is too long",
             folder);
  if (stat(f->path, &sb) != 0) {
    strcat(f->path, ".gz");
    PetscCheck(stat(f->path, &sb) == 0, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot find IDX file %s/%s or %s/%s.gz", folder,
               name, folder, name);
  }
  PetscCheck(S_ISREG(sb.st_mode), PETSC_COMM_SELF, CVX_ERR_FILE, "'%s' is not a regular file", f->path);
  f->file_size = (size_t)sb.st_size;
  errno        = 0;
  f->gz        = gzopen(f->path, "rb");
  PetscCheck(f->gz, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot open '%s': %s", f->path,
             errno ? strerror(errno) : "out of memory");
  PetscCheck(gzbuffer(f->gz, 1u << 17) == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "gzbuffer failed on '%s'", f->path);
  PetscFunctionReturn(0);
}

static size_t BigEndian32(const unsigned char *b)
{
  return ((size_t)b[0] << 24) | ((size_t)b[1] << 16) | ((size_t)b[2] << 8) | (size_t)b[3];
}

/* Reads and checks the header of an image file (dims = 3) or a label file
 * (dims = 1). */
static PetscErrorCode IdxReadHeader(IdxFile *f, int dims)
{
  const size_t  magic_want = dims == 3 ? IDX_MAGIC_IMAGES : IDX_MAGIC_LABELS;
  unsigned char h[16];
  size_t        got, magic;

  PetscFunctionBeginUser;
  f->header = 4 + 4 * (size_t)dims;
  PetscCall(IdxRead(f, h, f->header, &got));
  f->direct = gzdirect(f->gz) ? PETSC_TRUE : PETSC_FALSE;
  PetscCheck(got == f->header, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: file of %zu bytes%s is too short for an IDX header",
             f->path, got, IdxUnit(f));
  magic = BigEndian32(h);
  PetscCheck(magic == magic_want, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: bad magic number 0x%08zx, expected 0x%08zx (IDX %s of unsigned bytes)", f->path, magic, magic_want,
             dims == 3 ? "images" : "labels");
  f->count = BigEndian32(h + 4);
  if (dims == 3) {
    f->rows = BigEndian32(h + 8);
    f->cols = BigEndian32(h + 12);
    PetscCheck(f->rows >= 1 && f->cols >= 1 && f->rows <= IDX_MAX_PIXELS && f->cols <= IDX_MAX_PIXELS &&
                   f->rows * f->cols <= IDX_MAX_PIXELS,
               PETSC_COMM_SELF, CVX_ERR_DATA, "%s: implausible image size %zux%zu in the header", f->path, f->rows,
               f->cols);
  } else
    f->rows = f->cols = 1;
  PetscFunctionReturn(0);
}

/* Opens and checks the image and label files of one set, before any data is
 * read: magic numbers, dimensions, equal counts, and for plain files that
 * the file holds the data its header claims. */
static PetscErrorCode IdxOpenSet(const char *folder, const char *prefix, IdxFile *images, IdxFile *labels)
{
  char name[64];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s-images-idx3-ubyte", prefix));
  PetscCall(IdxOpen(folder, name, images));
  PetscCall(IdxReadHeader(images, 3));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s-labels-idx1-ubyte", prefix));
  PetscCall(IdxOpen(folder, name, labels));
  PetscCall(IdxReadHeader(labels, 1));
  PetscCheck(images->count == labels->count, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: header claims %zu images but %s claims %zu labels", images->path, images->count, labels->path,
             labels->count);
  /* count < 2^32 and rows x cols <= 2^24: the products fit in 64 bits. */
  PetscCheck(!images->direct || images->file_size >= images->header + images->count * images->rows * images->cols,
             PETSC_COMM_SELF, CVX_ERR_DATA, "%s: header claims %zu images of %zux%zu but the file holds only %zu bytes",
             images->path, images->count, images->rows, images->cols, images->file_size);
  PetscCheck(!labels->direct || labels->file_size >= labels->header + labels->count, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: header claims %zu labels but the file holds only %zu bytes", labels->path, labels->count,
             labels->file_size);
  PetscFunctionReturn(0);
}

/* Reads the label bytes of f into *out, growing the buffer only as data
 * arrives. */
static PetscErrorCode IdxReadLabels(IdxFile *f, unsigned char **out)
{
  size_t have = 0, cap = f->count < IDX_CHUNK ? f->count : IDX_CHUNK, got;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(cap, out));
  while (have < f->count) {
    size_t want;

    if (have == cap) {
      cap = 2 * cap < f->count ? 2 * cap : f->count;
      PetscCall(PetscRealloc(cap, out));
    }
    want = cap - have < IDX_CHUNK ? cap - have : IDX_CHUNK;
    PetscCall(IdxRead(f, *out + have, want, &got));
    have += got;
    PetscCheck(got == want, PETSC_COMM_SELF, CVX_ERR_DATA,
               "%s: header claims %zu labels but the file holds only %zu bytes%s", f->path, f->count, f->header + have,
               IdxUnit(f));
  }
  PetscFunctionReturn(0);
}

/* Reads every image of f (to check the file is whole) and keeps the
 * selected ones, one after the other, in *out; the buffer grows only as
 * images arrive. */
static PetscErrorCode IdxReadImages(IdxFile *f, const signed char *keep, size_t n_keep, unsigned char *buf,
                                    unsigned char **out)
{
  const size_t d    = f->rows * f->cols;
  size_t       kept = 0, cap = 0, got;

  PetscFunctionBeginUser;
  for (size_t i = 0; i < f->count; i++) {
    PetscCall(IdxRead(f, buf, d, &got));
    PetscCheck(got == d, PETSC_COMM_SELF, CVX_ERR_DATA,
               "%s: header claims %zu images of %zux%zu but the file holds only %zu bytes%s", f->path, f->count,
               f->rows, f->cols, f->header + i * d + got, IdxUnit(f));
    if (!keep[i]) continue;
    if (kept == cap) {
      size_t first = IDX_CHUNK / d > 0 ? IDX_CHUNK / d : 1;
      cap          = cap ? 2 * cap : first;
      if (cap > n_keep) cap = n_keep;
      PetscCall(PetscRealloc(cap * d, out)); /* cap * d <= 2^32 * 2^24: no overflow */
    }
    memcpy(*out + kept * d, buf, d);
    kept++;
  }
  PetscFunctionReturn(0);
}

/* Copies n images of d bytes (one after the other) into the n x d
 * column-major X, and the selection signs into y. */
static void IdxTranspose(const unsigned char *pixels, const signed char *keep, size_t count, size_t n, size_t d,
                         double *X, double *y)
{
  for (size_t i = 0; i < n; i++) {
    const unsigned char *img = pixels + i * d;
    for (size_t j = 0; j < d; j++)
      X[i + j * n] = (double)img[j];
  }
  for (size_t r = 0, i = 0; r < count; r++)
    if (keep[r]) y[i++] = (double)keep[r];
}

/* The body of CvxDatasetReadIdx; st is released by the caller. */
static PetscErrorCode IdxLoad(const CvxConfig *cfg, IdxState *st, CvxDataset *ds)
{
  const char *folder = cfg->data.path;
  size_t      n_keep[2], d;

  PetscFunctionBeginUser;
  PetscCheck(folder[0] != '\0', PETSC_COMM_SELF, CVX_ERR_INPUT,
             "data.path is empty: idx needs the folder of the IDX files");
  PetscCall(CvxDataCheckClassKeys(cfg, 255));
  PetscCall(IdxOpenSet(folder, "train", &st->images[0], &st->labels[0]));
  PetscCall(IdxOpenSet(folder, "t10k", &st->images[1], &st->labels[1]));
  d = st->images[0].rows * st->images[0].cols;
  PetscCheck(st->images[1].rows == st->images[0].rows && st->images[1].cols == st->images[0].cols, PETSC_COMM_SELF,
             CVX_ERR_DATA, "%s: images are %zux%zu but %s has %zux%zu", st->images[1].path, st->images[1].rows,
             st->images[1].cols, st->images[0].path, st->images[0].rows, st->images[0].cols);

  for (int s = 0; s < 2; s++) {
    PetscCall(IdxReadLabels(&st->labels[s], &st->label[s]));
    PetscCall(PetscMalloc1(st->labels[s].count, &st->keep[s]));
  }
  PetscCall(CvxDataSelectClasses(st->label[0], st->labels[0].count, cfg->data.classes, cfg->data.per_class,
                                 cfg->data.n_train, st->labels[0].path, "data.per_class", "data.n_train", st->keep[0],
                                 &n_keep[0]));
  PetscCall(CvxDataSelectClasses(st->label[1], st->labels[1].count, cfg->data.classes, cfg->data.test_per_class,
                                 cfg->data.n_test, st->labels[1].path, "data.test_per_class", "data.n_test",
                                 st->keep[1], &n_keep[1]));

  PetscCall(PetscMalloc1(d, &st->buf));
  for (int s = 0; s < 2; s++)
    PetscCall(IdxReadImages(&st->images[s], st->keep[s], n_keep[s], st->buf, &st->pixels[s]));

  PetscCall(CvxDatasetAllocate(ds, n_keep[0], d, n_keep[1], folder));
  IdxTranspose(st->pixels[0], st->keep[0], st->labels[0].count, n_keep[0], d, ds->X, ds->y);
  IdxTranspose(st->pixels[1], st->keep[1], st->labels[1].count, n_keep[1], d, ds->Xtest, ds->ytest);
  ds->classification = PETSC_TRUE;
  PetscCall(PetscSNPrintf(ds->description, sizeof(ds->description),
                          "idx %s (%zu train / %zu test images of %zux%zu) classes %d,%d: %d train, %d test samples",
                          folder, st->images[0].count, st->images[1].count, st->images[0].rows, st->images[0].cols,
                          (int)cfg->data.classes[0], (int)cfg->data.classes[1], (int)ds->n, (int)ds->n_test));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDatasetReadIdx(const CvxConfig *cfg, CvxDataset *ds)
{
  IdxState       st;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  memset(&st, 0, sizeof(st));
  ierr = IdxLoad(cfg, &st, ds);
  PetscCall(IdxStateFree(&st));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
