/* Numeric comma-separated files. The file is streamed one line at a time
 * (a line may not exceed CSV_MAX_LINE bytes); rows are stored as they
 * arrive, so memory follows the data actually present. */
#include "data/sources.h"
#include "core/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest accepted line, in bytes. */
#define CSV_MAX_LINE ((size_t)1 << 24)

typedef struct {
  const char *path;
  FILE       *f;
  char       *line;     /* the current line, without its line break */
  size_t      cap;      /* bytes allocated for line */
  size_t      lineno;   /* 1-based number of the current line */
  double     *features; /* rows x (ncol - 1), row-major */
  double     *labels;   /* rows */
  size_t      rows, cap_rows;
} CsvFile;

typedef struct {
  size_t  ncol;   /* fields per row; 0 until the first row is seen */
  size_t  label;  /* 0-based label column */
  double *values; /* one parsed row */
} CsvShape;

static PetscErrorCode CsvFileClose(CsvFile *cf)
{
  PetscFunctionBeginUser;
  if (cf->f) fclose(cf->f);
  cf->f = NULL;
  PetscCall(PetscFree(cf->line));
  PetscCall(PetscFree(cf->features));
  PetscCall(PetscFree(cf->labels));
  PetscFunctionReturn(0);
}

static int IsBlank(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* Reads the next line into cf->line; *got is false at the end of the file. */
static PetscErrorCode CsvReadLine(CsvFile *cf, PetscBool *got)
{
  size_t len = 0;

  PetscFunctionBeginUser;
  *got = PETSC_FALSE;
  if (!cf->line) {
    cf->cap = 4096;
    PetscCall(PetscMalloc1(cf->cap, &cf->line));
  }
  for (;;) {
    if (cf->cap - len < 2) {
      PetscCheck(cf->cap < CSV_MAX_LINE, PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%zu: line longer than %zu bytes", cf->path,
                 cf->lineno + 1, CSV_MAX_LINE);
      PetscCall(PetscRealloc(2 * cf->cap, &cf->line));
      cf->cap *= 2;
    }
    if (!fgets(cf->line + len, (int)(cf->cap - len), cf->f)) break;
    len += strlen(cf->line + len);
    if (len > 0 && cf->line[len - 1] == '\n') break;
  }
  PetscCheck(!ferror(cf->f), PETSC_COMM_SELF, CVX_ERR_FILE, "%s:%zu: read error: %s", cf->path, cf->lineno + 1,
             strerror(errno));
  if (len == 0) PetscFunctionReturn(0);
  cf->lineno++;
  while (len > 0 && (cf->line[len - 1] == '\n' || cf->line[len - 1] == '\r'))
    cf->line[--len] = '\0';
  *got = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Fixes the column layout from the first row (or header) of the training
 * file: nf fields. */
static PetscErrorCode CsvSetShape(const CsvFile *cf, const CvxConfig *cfg, size_t nf, CsvShape *shape)
{
  const PetscInt lc = cfg->data.label_column;

  PetscFunctionBeginUser;
  PetscCheck(nf >= 2, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s:%zu: a row needs a label and at least one feature, found %zu field", cf->path, cf->lineno, nf);
  PetscCheck(lc >= -1 && (lc < 0 || (size_t)lc < nf), PETSC_COMM_SELF, CVX_ERR_INPUT,
             "%s: data.label_column = %d is out of range for %zu columns (0..%zu, or -1 for the last)", cf->path,
             (int)lc, nf, nf - 1);
  shape->ncol  = nf;
  shape->label = lc < 0 ? nf - 1 : (size_t)lc;
  PetscCall(PetscMalloc1(nf, &shape->values));
  PetscFunctionReturn(0);
}

/* Parses the ncol fields of the line s into shape->values. first_row: the
 * file's first row is read as data (data.header is false), so a word there
 * is most likely a header, and the message says how to skip it. */
static PetscErrorCode CsvParseRow(const CsvFile *cf, char *s, CsvShape *shape, PetscBool first_row)
{
  PetscFunctionBeginUser;
  for (size_t k = 0; k < shape->ncol; k++) {
    char  *end = strchr(s, ','), *last, *stop;
    double v;

    if (!end) end = s + strlen(s);
    *end = '\0';
    while (IsBlank(*s))
      s++;
    last = end;
    while (last > s && IsBlank(last[-1]))
      *--last = '\0';
    errno = 0;
    v     = strtod(s, &stop);
    PetscCheck(stop != s && stop == last, PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%zu: field %zu '%.64s' is not a number%s",
               cf->path, cf->lineno, k + 1, s,
               first_row ? " (if the first row names the columns, set data.header: true)" : "");
    PetscCheck(isfinite(v), PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%zu: field %zu is not finite", cf->path, cf->lineno,
               k + 1);
    shape->values[k] = v;
    s                = end + 1;
  }
  PetscFunctionReturn(0);
}

/* Appends the parsed row to the file's storage. */
static PetscErrorCode CsvAppendRow(CsvFile *cf, const CsvShape *shape)
{
  const size_t nfeat = shape->ncol - 1;
  double      *dst;

  PetscFunctionBeginUser;
  if (cf->rows == cf->cap_rows) {
    size_t newcap = cf->cap_rows ? 2 * cf->cap_rows : 256, bytes;

    PetscCall(CvxDataSizeMul(newcap, nfeat * sizeof(double), cf->path, &bytes));
    PetscCall(PetscRealloc(bytes, &cf->features));
    PetscCall(PetscRealloc(newcap * sizeof(double), &cf->labels));
    cf->cap_rows = newcap;
  }
  dst = cf->features + cf->rows * nfeat;
  for (size_t k = 0, j = 0; k < shape->ncol; k++) {
    if (k == shape->label)
      cf->labels[cf->rows] = shape->values[k];
    else
      dst[j++] = shape->values[k];
  }
  cf->rows++;
  PetscFunctionReturn(0);
}

/* Reads up to cap data rows (0 = all) of cf->path. shape->ncol is 0 for the
 * training file (the first row fixes it) and set for the test file. cap_key
 * names the config key of cap in messages. */
static PetscErrorCode CsvReadFile(CsvFile *cf, const CvxConfig *cfg, size_t cap, const char *cap_key, CsvShape *shape)
{
  PetscBool header = cfg->data.header, got;

  PetscFunctionBeginUser;
  cf->f = fopen(cf->path, "r");
  PetscCheck(cf->f, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot open '%s': %s", cf->path, strerror(errno));
  while (cap == 0 || cf->rows < cap) {
    char  *s;
    size_t nf = 1;

    PetscCall(CsvReadLine(cf, &got));
    if (!got) break;
    for (s = cf->line; IsBlank(*s); s++) {
    }
    if (*s == '\0' || *s == '#') continue;
    for (const char *c = s; *c; c++)
      nf += *c == ',';
    if (shape->ncol == 0) PetscCall(CsvSetShape(cf, cfg, nf, shape));
    PetscCheck(nf == shape->ncol, PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%zu: expected %zu fields, found %zu", cf->path,
               cf->lineno, shape->ncol, nf);
    if (header) {
      header = PETSC_FALSE;
      continue;
    }
    PetscCall(CsvParseRow(cf, s, shape, (PetscBool)(cf->rows == 0 && !cfg->data.header)));
    PetscCall(CsvAppendRow(cf, shape));
  }
  PetscCheck(cf->rows > 0, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: the file holds no data rows", cf->path);
  PetscCheck(cap == 0 || cf->rows >= cap, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "%s: %s = %zu but the file holds only %zu data rows", cf->path, cap_key, cap, cf->rows);
  fclose(cf->f);
  cf->f = NULL;
  PetscFunctionReturn(0);
}

/* Copies the row-major rows of cf into the column-major X and labels y. */
static void CsvTranspose(const CsvFile *cf, size_t nfeat, double *X, double *y)
{
  const size_t n = cf->rows;

  for (size_t i = 0; i < n; i++) {
    const double *row = cf->features + i * nfeat;
    for (size_t j = 0; j < nfeat; j++)
      X[i + j * n] = row[j];
    y[i] = cf->labels[i];
  }
}

/* Classification when every label is in {-1, +1} or every label is in
 * {0, 1} (0 is mapped to -1); otherwise regression. */
static void CsvClassifyLabels(CvxDataset *ds)
{
  PetscBool pm = PETSC_TRUE, zo = PETSC_TRUE;

  for (int set = 0; set < 2; set++) {
    const double *y = set ? ds->ytest : ds->y;
    PetscInt      n = set ? ds->n_test : ds->n;
    for (PetscInt i = 0; i < n; i++) {
      if (y[i] != -1.0 && y[i] != 1.0) pm = PETSC_FALSE;
      if (y[i] != 0.0 && y[i] != 1.0) zo = PETSC_FALSE;
    }
  }
  ds->classification = pm || zo ? PETSC_TRUE : PETSC_FALSE;
  if (pm || !zo) return;
  for (PetscInt i = 0; i < ds->n; i++)
    ds->y[i] = ds->y[i] == 0.0 ? -1.0 : 1.0;
  for (PetscInt i = 0; i < ds->n_test; i++)
    ds->ytest[i] = ds->ytest[i] == 0.0 ? -1.0 : 1.0;
}

/* The body of CvxDatasetReadCsv; tr, te and shape are released by the caller. */
static PetscErrorCode CsvLoad(const CvxConfig *cfg, CsvFile *tr, CsvFile *te, CsvShape *shape, CvxDataset *ds)
{
  const PetscBool has_test = cfg->data.test_path[0] != '\0';
  size_t          nfeat;

  PetscFunctionBeginUser;
  PetscCheck(cfg->data.path[0] != '\0', PETSC_COMM_SELF, CVX_ERR_INPUT, "data.path is empty: csv needs a file");
  tr->path = cfg->data.path;
  PetscCall(CsvReadFile(tr, cfg, (size_t)cfg->data.n_train, "data.n_train", shape));
  if (has_test) {
    te->path = cfg->data.test_path;
    PetscCall(CsvReadFile(te, cfg, (size_t)cfg->data.n_test, "data.n_test", shape));
  }
  nfeat = shape->ncol - 1;
  PetscCall(CvxDatasetAllocate(ds, tr->rows, nfeat, te->rows, cfg->data.path));
  CsvTranspose(tr, nfeat, ds->X, ds->y);
  if (has_test) CsvTranspose(te, nfeat, ds->Xtest, ds->ytest);
  CsvClassifyLabels(ds);
  PetscCall(PetscSNPrintf(
      ds->description, sizeof(ds->description), "csv %s%s%s%s, label column %zu, %s: %d train, %d test samples",
      cfg->data.path, has_test ? " (test " : "", has_test ? cfg->data.test_path : "", has_test ? ")" : "", shape->label,
      ds->classification ? "classification" : "regression", (int)ds->n, (int)ds->n_test));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxDatasetReadCsv(const CvxConfig *cfg, CvxDataset *ds)
{
  CsvFile        tr, te;
  CsvShape       shape;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  memset(&tr, 0, sizeof(tr));
  memset(&te, 0, sizeof(te));
  memset(&shape, 0, sizeof(shape));
  ierr = CsvLoad(cfg, &tr, &te, &shape, ds);
  PetscCall(CsvFileClose(&tr));
  PetscCall(CsvFileClose(&te));
  PetscCall(PetscFree(shape.values));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
