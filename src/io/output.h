/* Output of a run: the run folder, files that appear whole or not at all,
 * and a small YAML writer for the summary.
 *
 * Only world rank 0 writes. A file is written under a hidden temporary name
 * in the same folder, flushed and synced, then renamed to its final name, so
 * a reader (or a crash) never sees a half-written file under the real name.
 */
#ifndef CVXNN_IO_OUTPUT_H
#define CVXNN_IO_OUTPUT_H

#include <petscsys.h>
#include <stdio.h>

#define CVX_OUT_PATH_MAX 4352

typedef struct {
  FILE *fp;                       /* write here between Open and Commit */
  char  path[CVX_OUT_PATH_MAX];   /* final name */
  char  tmp[CVX_OUT_PATH_MAX];    /* temporary name while being written */
} CvxOutFile;

/* Names the run folder parent/name in dir (size CVX_OUT_PATH_MAX) and, when
 * create is true, creates it and its missing parents. When the folder
 * already holds a finished run (a summary.yaml) and overwrite is false, it is
 * an input error: nothing already written is touched. Calling it first with
 * create false checks early without leaving an empty folder behind. Not
 * collective (call on rank 0). */
PetscErrorCode CvxOutputDirCreate(const char *parent, const char *name, PetscBool overwrite, PetscBool create,
                                  char *dir);

/* Opens dir/name for writing under a temporary name. Not collective. */
PetscErrorCode CvxOutFileOpen(const char *dir, const char *name, CvxOutFile *f);

/* Flushes, syncs and closes the file, then renames it to its final name;
 * any write error that happened since Open is reported here. Any other
 * file than summary.yaml first removes a summary.yaml in its folder (an
 * overwritten run's, which no longer describes the folder). */
PetscErrorCode CvxOutFileCommit(CvxOutFile *f);

/* Removes dir/summary.yaml when there is one: an overwritten run's, which no
 * longer describes the folder once a file of it is replaced (files written
 * by other means than CvxOutFileCommit call it first). Not collective. */
PetscErrorCode CvxOutputSummaryRemove(const char *dir);

/* Closes and removes an unfinished file (used on error paths). Never fails. */
void CvxOutFileDiscard(CvxOutFile *f);

/* Writes a double in the shortest form that reads back exactly, or nan/inf in the
 * given spelling set (YAML: .nan, .inf; CSV: nan, inf). */
void CvxPrintDouble(FILE *fp, double v, PetscBool yaml);

/* Minimal block-style YAML writer for summaries. */
typedef struct {
  FILE *fp;
  int   depth;
} CvxYaml;

void CvxYamlInit(CvxYaml *y, FILE *fp);
void CvxYamlBeginMap(CvxYaml *y, const char *key); /* key: followed by a nested mapping */
void CvxYamlEndMap(CvxYaml *y);
void CvxYamlInt(CvxYaml *y, const char *key, long long v);
void CvxYamlDouble(CvxYaml *y, const char *key, double v);
void CvxYamlBool(CvxYaml *y, const char *key, PetscBool v);
void CvxYamlString(CvxYaml *y, const char *key, const char *v); /* quoted, escaped */
void CvxYamlNull(CvxYaml *y, const char *key);
/* key: [v0, v1, ...] */
void CvxYamlIntList(CvxYaml *y, const char *key, const long long *v, int n);

#endif
