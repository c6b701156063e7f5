#include "io/output.h"

#include "core/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p: creates path and its missing parents. */
static PetscErrorCode MakeDirs(const char *path)
{
  char buf[CVX_OUT_PATH_MAX];

  PetscFunctionBeginUser;
  PetscCheck(strlen(path) < sizeof(buf), PETSC_COMM_SELF, CVX_ERR_INPUT, "output path '%s' is too long", path);
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "cannot create folder '%s': %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "cannot create folder '%s': %s", buf, strerror(errno));
  struct stat st;
  PetscCheck(stat(buf, &st) == 0 && S_ISDIR(st.st_mode), PETSC_COMM_SELF, CVX_ERR_FILE,
             "output path '%s' exists and is not a folder", buf);
  PetscFunctionReturn(0);
}

PetscErrorCode CvxOutputDirCreate(const char *parent, const char *name, PetscBool overwrite, PetscBool create,
                                  char *dir)
{
  char summary[CVX_OUT_PATH_MAX + 16];

  PetscFunctionBeginUser;
  PetscCheck(name[0] && !strchr(name, '/'), PETSC_COMM_SELF, CVX_ERR_INPUT,
             "run.name '%s' must be a non-empty folder name without '/'", name);
  int len = snprintf(dir, CVX_OUT_PATH_MAX, "%s/%s", parent[0] ? parent : ".", name);
  PetscCheck(len > 0 && len < CVX_OUT_PATH_MAX, PETSC_COMM_SELF, CVX_ERR_INPUT, "output path '%s/%s' is too long",
             parent, name);
  snprintf(summary, sizeof(summary), "%s/summary.yaml", dir);
  if (!overwrite && access(summary, F_OK) == 0)
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_INPUT,
            "the results folder '%s' already holds a finished run (summary.yaml); choose another run.name or "
            "output.dir, or set output.overwrite: true to replace its files",
            dir);
  if (create) PetscCall(MakeDirs(dir));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxOutFileOpen(const char *dir, const char *name, CvxOutFile *f)
{
  PetscFunctionBeginUser;
  memset(f, 0, sizeof(*f));
  int a = snprintf(f->path, sizeof(f->path), "%s/%s", dir, name);
  int b = snprintf(f->tmp, sizeof(f->tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid());
  PetscCheck(a > 0 && a < (int)sizeof(f->path) && b > 0 && b < (int)sizeof(f->tmp), PETSC_COMM_SELF, CVX_ERR_INPUT,
             "output path '%s/%s' is too long", dir, name);
  f->fp = fopen(f->tmp, "w");
  PetscCheck(f->fp, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot write '%s': %s", f->tmp, strerror(errno));
  PetscFunctionReturn(0);
}

PetscErrorCode CvxOutFileCommit(CvxOutFile *f)
{
  PetscFunctionBeginUser;
  PetscCheck(f->fp, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "output file '%s' is not open", f->path);
  int bad = ferror(f->fp);
  if (fflush(f->fp) != 0) bad = 1;
  if (!bad && fsync(fileno(f->fp)) != 0 && errno != EINVAL) bad = 1;
  int saved = errno;
  if (fclose(f->fp) != 0) bad = 1;
  f->fp = NULL;
  if (bad) {
    unlink(f->tmp);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "writing '%s' failed: %s", f->path, strerror(saved ? saved : errno));
  }
  /* A summary.yaml beside this file describes an older run (this run's
   * summary comes last, and a finished run is replaced only with
   * output.overwrite): it goes before the first of its files is replaced,
   * so that the folder does not pass for finished with new files in it. A
   * run that fails before that keeps the old run whole. */
  const char *slash = strrchr(f->path, '/'), *base = slash ? slash + 1 : f->path;
  if (strcmp(base, "summary.yaml") != 0) {
    char dir[CVX_OUT_PATH_MAX];
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - f->path) : 1, slash ? f->path : ".");
    PetscErrorCode ierr = CvxOutputSummaryRemove(dir);
    if (ierr) unlink(f->tmp);
    PetscCall(ierr);
  }
  if (rename(f->tmp, f->path) != 0) {
    saved = errno;
    unlink(f->tmp);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "cannot rename '%s' to '%s': %s", f->tmp, f->path, strerror(saved));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxOutputSummaryRemove(const char *dir)
{
  char summary[CVX_OUT_PATH_MAX];

  PetscFunctionBeginUser;
  int len = snprintf(summary, sizeof(summary), "%s/summary.yaml", dir);
  PetscCheck(len > 0 && len < (int)sizeof(summary), PETSC_COMM_SELF, CVX_ERR_INPUT, "output path '%s' is too long",
             dir);
  if (unlink(summary) != 0 && errno != ENOENT)
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "cannot remove the old run's '%s' before replacing its files: %s", summary,
            strerror(errno));
  PetscFunctionReturn(0);
}

void CvxOutFileDiscard(CvxOutFile *f)
{
  if (f->fp) {
    fclose(f->fp);
    f->fp = NULL;
    unlink(f->tmp);
  }
}

void CvxPrintDouble(FILE *fp, double v, PetscBool yaml)
{
  if (isnan(v)) fputs(yaml ? ".nan" : "nan", fp);
  else if (isinf(v)) fputs(v > 0 ? (yaml ? ".inf" : "inf") : (yaml ? "-.inf" : "-inf"), fp);
  else {
    /* The shortest of %.15g, %.16g, %.17g that reads back exactly. */
    char buf[32];
    for (int prec = 15; prec <= 17; prec++) {
      snprintf(buf, sizeof(buf), "%.*g", prec, v);
      if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, fp);
  }
}

void CvxYamlInit(CvxYaml *y, FILE *fp)
{
  y->fp    = fp;
  y->depth = 0;
}

static void Key(CvxYaml *y, const char *key)
{
  fprintf(y->fp, "%*s%s:", 2 * y->depth, "", key);
}

void CvxYamlBeginMap(CvxYaml *y, const char *key)
{
  Key(y, key);
  fputc('\n', y->fp);
  y->depth++;
}

void CvxYamlEndMap(CvxYaml *y)
{
  if (y->depth > 0) y->depth--;
}

void CvxYamlInt(CvxYaml *y, const char *key, long long v)
{
  Key(y, key);
  fprintf(y->fp, " %lld\n", v);
}

void CvxYamlDouble(CvxYaml *y, const char *key, double v)
{
  Key(y, key);
  fputc(' ', y->fp);
  CvxPrintDouble(y->fp, v, PETSC_TRUE);
  fputc('\n', y->fp);
}

void CvxYamlBool(CvxYaml *y, const char *key, PetscBool v)
{
  Key(y, key);
  fprintf(y->fp, " %s\n", v ? "true" : "false");
}

void CvxYamlString(CvxYaml *y, const char *key, const char *v)
{
  Key(y, key);
  fputs(" \"", y->fp);
  for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(y->fp, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", y->fp);
    else if (*p == '\t') fputs("\\t", y->fp);
    else if (*p < 0x20) fprintf(y->fp, "\\x%02x", *p);
    else fputc(*p, y->fp);
  }
  fputs("\"\n", y->fp);
}

void CvxYamlNull(CvxYaml *y, const char *key)
{
  Key(y, key);
  fputs(" null\n", y->fp);
}

void CvxYamlIntList(CvxYaml *y, const char *key, const long long *v, int n)
{
  Key(y, key);
  fputs(" [", y->fp);
  for (int i = 0; i < n; i++) fprintf(y->fp, "%s%lld", i ? ", " : "", v[i]);
  fputs("]\n", y->fp);
}
