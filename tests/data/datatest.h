/* Helpers shared by the tests of the data module: failure counting, a
 * temporary folder, writing test files (plain and gzip), and checks on the
 * input errors raised by CvxDatasetLoad. Each test prints only on failure. */
#ifndef CVXNN_TESTS_DATA_DATATEST_H
#define CVXNN_TESTS_DATA_DATATEST_H

#include "core/error.h"
#include "data/data.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "../common/check.h"

/* Stops the test when a call that must succeed fails. */
#define REQUIRE_OK(call)                                                                                               \
  do {                                                                                                                 \
    PetscErrorCode req_ierr_ = (call);                                                                                 \
    if (req_ierr_) {                                                                                                   \
      fprintf(stderr, "FAIL %s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #call, (int)req_ierr_,                   \
              CvxErrorLastMessage());                                                                                  \
      exit(1);                                                                                                         \
    }                                                                                                                  \
  } while (0)

/* Creates a fresh temporary folder; its name is written to dir. */
static inline void TestTempDir(char *dir, size_t len)
{
  const char *base = getenv("TMPDIR");
  snprintf(dir, len, "%s/cvxnn-data-XXXXXX", base && base[0] ? base : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(1);
  }
}

/* Removes the folder dir and everything in it. */
static inline void TestRemoveTree(const char *dir)
{
  DIR           *d = opendir(dir);
  struct dirent *e;
  char           path[8192];
  struct stat    sb;

  if (!d) return;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path)) continue;
    if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
      TestRemoveTree(path);
    else
      remove(path);
  }
  closedir(d);
  rmdir(dir);
}

/* path = dir/name. */
static inline void TestPath(char *path, size_t len, const char *dir, const char *name)
{
  if (snprintf(path, len, "%s/%s", dir, name) >= (int)len) {
    fprintf(stderr, "path %s/%s too long\n", dir, name);
    exit(1);
  }
}

/* Writes len bytes to dir/name (gzip-compressed when gz). */
static inline void TestWriteBytes(const char *dir, const char *name, const void *data, size_t len, int gz)
{
  char path[8192];
  TestPath(path, sizeof(path), dir, name);
  if (gz) {
    gzFile f = gzopen(path, "wb");
    if (!f || (len > 0 && gzwrite(f, data, (unsigned)len) != (int)len) || gzclose(f) != Z_OK) {
      fprintf(stderr, "cannot write %s\n", path);
      exit(1);
    }
  } else {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
      fprintf(stderr, "cannot write %s\n", path);
      exit(1);
    }
  }
}

/* Writes the text to dir/name. */
static inline void TestWriteText(const char *dir, const char *name, const char *text)
{
  TestWriteBytes(dir, name, text, strlen(text), 0);
}

/* Writes folder/name: an IDX header (magic, count, and rows, cols for
 * images) followed by len bytes of data. */
static inline void TestWriteIdx(const char *folder, const char *name, uint32_t magic, uint32_t count, uint32_t rows,
                                uint32_t cols, const unsigned char *data, size_t len, int gz)
{
  const int      images = (magic & 0xff) == 3;
  const size_t   hdr    = images ? 16 : 8;
  unsigned char *buf    = (unsigned char *)malloc(hdr + len);
  uint32_t       w[4]   = {magic, count, rows, cols};

  if (!buf) exit(1);
  for (size_t k = 0; k < hdr / 4; k++)
    for (int b = 0; b < 4; b++)
      buf[4 * k + (size_t)b] = (unsigned char)(w[k] >> (24 - 8 * b));
  if (len) memcpy(buf + hdr, data, len);
  TestWriteBytes(folder, name, buf, hdr + len, gz);
  free(buf);
}

/* Checks that code is an input error whose message holds every one of the
 * NULL-terminated substrings. Reports the failing line of the caller. */
static inline void TestExpectErrorAt(const char *file, int line, PetscErrorCode code, ...)
{
  va_list     ap;
  const char *want;
  const char *msg = CvxErrorLastMessage();

  if (getenv("CVX_TEST_SHOW_ERRORS")) fprintf(stderr, "%s:%d: %s\n", file, line, msg);
  if (!code || !CvxErrorIsInput(code)) {
    fprintf(stderr, "FAIL %s:%d: want an input error, got code %d (%s)\n", file, line, (int)code, msg);
    failures++;
    return;
  }
  va_start(ap, code);
  while ((want = va_arg(ap, const char *))) {
    if (!strstr(msg, want)) {
      fprintf(stderr, "FAIL %s:%d: message '%s' lacks '%s'\n", file, line, msg, want);
      failures++;
    }
  }
  va_end(ap);
}
#define EXPECT_ERROR(code, ...) TestExpectErrorAt(__FILE__, __LINE__, (code), __VA_ARGS__, (const char *)NULL)

/* FNV-1a hash of len bytes, continuing from h. */
static inline uint64_t TestHash(uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = (const unsigned char *)data;
  for (size_t k = 0; k < len; k++) {
    h ^= p[k];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* Hash of the sizes and raw bytes of every array of ds. */
static inline uint64_t TestDatasetHash(const CvxDataset *ds)
{
  uint64_t h    = 0xcbf29ce484222325ull;
  int64_t  s[4] = {ds->n, ds->d, ds->n_test, ds->classification};
  h             = TestHash(h, s, sizeof(s));
  h             = TestHash(h, ds->X, sizeof(double) * (size_t)ds->n * (size_t)ds->d);
  h             = TestHash(h, ds->y, sizeof(double) * (size_t)ds->n);
  h             = TestHash(h, ds->Xtest, sizeof(double) * (size_t)ds->n_test * (size_t)ds->d);
  h             = TestHash(h, ds->ytest, sizeof(double) * (size_t)ds->n_test);
  return h;
}

#endif
