/* Pattern files: round trips in both formats (the same set, order and exact
 * flag), the exact bytes of both formats on a small set, files written by
 * another tool (CRLF, comments, unsorted duplicate columns), the read cap,
 * atomic writes, and every input error (wrong n, truncated, bad character,
 * huge header, bad magic/version/checksum, stray bits, missing file,
 * unwritable path), raised on every rank. Any rank count. */
#include "arrtest.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static PetscMPIInt rank;
static char        dir[256];

static void PathOf(const char *name, char *path)
{
  snprintf(path, PETSC_MAX_PATH_LEN, "%s/%s", dir, name);
}

/* Rank 0 writes raw bytes to dir/name; everyone waits. */
static void WriteRaw(const char *name, const void *bytes, size_t len)
{
  char path[PETSC_MAX_PATH_LEN];
  PathOf(name, path);
  if (rank == 0) {
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(bytes, 1, len, fp) != len) {
      fprintf(stderr, "FAIL: cannot write %s\n", path);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    fclose(fp);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
}

/* Reads a whole file on rank 0 (malloc'd, NUL-terminated); length in *len. */
static char *ReadRaw(const char *name, size_t *len)
{
  char  path[PETSC_MAX_PATH_LEN], *buf = NULL;
  FILE *fp;
  PathOf(name, path);
  *len = 0;
  fp   = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  *len = (size_t)ftell(fp);
  rewind(fp);
  buf = malloc(*len + 1);
  if (fread(buf, 1, *len, fp) != *len) *len = 0;
  buf[*len] = '\0';
  fclose(fp);
  return buf;
}

static PetscBool Exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Expects reading dir/name with n samples to fail with code and a message
 * containing every string of want (NULL-terminated). */
static void ExpectReadError(const char *name, PetscInt n, PetscErrorCode code, const char *const *want)
{
  char              path[PETSC_MAX_PATH_LEN];
  CvxArrangementSet set;
  PathOf(name, path);
  PetscErrorCode e = CvxArrangementSetRead(PETSC_COMM_WORLD, n, path, 0, &set);
  CHECK(e == code, "%s: rank %d: code %d, want %d (%s)", name, rank, (int)e, (int)code, CvxErrorLastMessage());
  for (; want && *want; want++)
    CHECK(strstr(CvxErrorLastMessage(), *want), "%s: rank %d: message '%s' lacks '%s'", name, rank,
          CvxErrorLastMessage(), *want);
  if (!e) TRY(CvxArrangementSetDestroy(&set));
}

static void RoundTrip(const CvxArrangementSet *set, const char *name, CvxArrangementFormat fmt)
{
  char              path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];
  CvxArrangementSet back;
  uint64_t          a, b;
  PathOf(name, path);
  TRY(CvxArrangementSetWrite(set, path, fmt));
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  if (rank == 0) CHECK(Exists(path) && !Exists(tmp), "%s: file missing or temporary file left", name);
  TRY(CvxArrangementSetRead(PETSC_COMM_WORLD, set->n, path, 0, &back));
  TRY(CvxArrangementSetChecksum(set, &a));
  TRY(CvxArrangementSetChecksum(&back, &b));
  CHECK(a == b && back.P == set->P, "%s: read back P = %d (wrote %d), checksums %016llx %016llx", name, (int)back.P,
        (int)set->P, (unsigned long long)b, (unsigned long long)a);
  CHECK(back.exact == set->exact, "%s: exact flag %d, wrote %d", name, (int)back.exact, (int)set->exact);
  TRY(CvxArrangementSetDestroy(&back));
}

int main(int argc, char **argv)
{
  char path[PETSC_MAX_PATH_LEN];

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) {
    strcpy(dir, "/tmp/cvxnn-arr-XXXXXX");
    if (!mkdtemp(dir)) {
      fprintf(stderr, "FAIL: mkdtemp\n");
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  if (MPI_Bcast(dir, sizeof(dir), MPI_CHAR, 0, PETSC_COMM_WORLD) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 1);

  /* round trips: a sampled set with two words per pattern, an exact set */
  {
    double               *X  = TestGaussianData(100, 3, PETSC_TRUE, 3, 1100);
    CvxArrangementOptions so = TestOptions(CVX_ARRANGEMENT_SAMPLE, 5, 20000, 0);
    CvxArrangementOptions eo = TestOptions(CVX_ARRANGEMENT_EXACT, 0, 0, 0);
    CvxArrangementSet     s, e, f;
    TRY(CvxArrangementSetCreate(PETSC_COMM_WORLD, 100, 3, X, &so, &s));
    TRY(CvxArrangementSetCreate(PETSC_COMM_WORLD, 30, 3, X, &eo, &e));
    RoundTrip(&s, "sampled.txt", CVX_ARRANGEMENT_FORMAT_TEXT);
    RoundTrip(&s, "sampled.bin", CVX_ARRANGEMENT_FORMAT_BINARY);
    RoundTrip(&e, "exact.txt", CVX_ARRANGEMENT_FORMAT_TEXT);
    RoundTrip(&e, "exact.bin", CVX_ARRANGEMENT_FORMAT_BINARY);
    RoundTrip(&s, "sampled.txt", CVX_ARRANGEMENT_FORMAT_TEXT); /* overwrite */

    /* the file method through CvxArrangementSetCreate, with a cap */
    CvxArrangementOptions fo = TestOptions(CVX_ARRANGEMENT_FILE, 0, 0, 7);
    PathOf("exact.bin", path);
    fo.file = path;
    TRY(CvxArrangementSetCreate(PETSC_COMM_WORLD, 30, 3, NULL, &fo, &f));
    uint64_t *ea = TestCheckSet(&e, "exact"), *fa = TestCheckSet(&f, "capped read");
    CHECK(f.P == 7 && !f.exact, "capped read: P = %d exact %d", (int)f.P, (int)f.exact);
    PetscInt  kept;
    uint64_t *want = TestCapExpected(ea, e.P, e.words, 7, &kept);
    if (f.P == 7)
      CHECK(!memcmp(want, fa, 7 * sizeof(uint64_t) * e.words),
            "capped read: not the 7 patterns with the smallest cap keys");
    free(want);
    PetscFree(ea);
    PetscFree(fa);
    TRY(CvxArrangementSetDestroy(&f));

    /* wrong n, truncated files */
    const char *const wn_txt[] = {"sampled.txt:2:", "n = 100", "n = 99", NULL};
    const char *const wn_bin[] = {"sampled.bin", "byte 16", "n = 100", NULL};
    const char *const trunc[]  = {"truncated", NULL};
    ExpectReadError("sampled.txt", 99, CVX_ERR_DATA, wn_txt);
    ExpectReadError("sampled.bin", 99, CVX_ERR_DATA, wn_bin);
    if (rank == 0) {
      size_t tlen, blen;
      char  *txt = ReadRaw("sampled.txt", &tlen);
      char  *bin = ReadRaw("sampled.bin", &blen);
      FILE  *fp;
      PathOf("cut.txt", path);
      fp = fopen(path, "wb");
      fwrite(txt, 1, tlen / 2, fp);
      fclose(fp);
      PathOf("cut.bin", path);
      fp = fopen(path, "wb");
      fwrite(bin, 1, blen - 100, fp);
      fclose(fp);
      /* one flipped payload bit */
      bin[40 + 123] ^= 0x10;
      PathOf("flipped.bin", path);
      fp = fopen(path, "wb");
      fwrite(bin, 1, blen, fp);
      fclose(fp);
      free(txt);
      free(bin);
    }
    MPI_Barrier(PETSC_COMM_WORLD);
    ExpectReadError("cut.txt", 100, CVX_ERR_DATA, trunc);
    ExpectReadError("cut.bin", 100, CVX_ERR_DATA, trunc);
    const char *const crc[] = {"flipped.bin", "checksum", NULL};
    ExpectReadError("flipped.bin", 100, CVX_ERR_DATA, crc);

    /* unwritable path: an input error on every rank, nothing left behind */
    PathOf("no/such/folder/x.txt", path);
    PetscErrorCode code = CvxArrangementSetWrite(&s, path, CVX_ARRANGEMENT_FORMAT_TEXT);
    CHECK(code == CVX_ERR_FILE && strstr(CvxErrorLastMessage(), "x.txt.tmp"), "unwritable: rank %d code %d '%s'",
          rank, (int)code, CvxErrorLastMessage());
    TRY(CvxArrangementSetDestroy(&s));
    TRY(CvxArrangementSetDestroy(&e));
    free(X);
  }

  /* the exact bytes of both formats: n = 3, patterns 0b101 and 0b011
   * (canonical order: 0b011 = 3 first, then 0b101 = 5) */
  {
    const uint64_t    pats[2] = {5, 3};
    CvxArrangementSet set;
    size_t            len;
    TRY(CvxArrangementSetCreateFromPatterns(PETSC_COMM_WORLD, 3, rank == 0 ? 2 : 0, pats, 0, PETSC_FALSE, &set));
    PathOf("small.txt", path);
    TRY(CvxArrangementSetWrite(&set, path, CVX_ARRANGEMENT_FORMAT_TEXT));
    PathOf("small.bin", path);
    TRY(CvxArrangementSetWrite(&set, path, CVX_ARRANGEMENT_FORMAT_BINARY));
    if (rank == 0) {
      char *txt = ReadRaw("small.txt", &len);
      CHECK(txt && !strcmp(txt, "# cvxnn-dist arrangements v1\n3 2\n11\n10\n01\n"), "small.txt is '%s'", txt);
      free(txt);
      unsigned char *bin = (unsigned char *)ReadRaw("small.bin", &len), want[64];
      memset(want, 0, sizeof(want));
      memcpy(want, "CVXNNARR", 8);
      want[8]  = 1;  /* version */
      want[16] = 3;  /* n */
      want[24] = 2;  /* P */
      want[32] = 1;  /* words */
      want[40] = 3;  /* pattern 0 */
      want[48] = 5;  /* pattern 1 */
      uLong c  = crc32(crc32(0L, Z_NULL, 0), want, 56);
      for (int i = 0; i < 4; i++) want[56 + i] = (unsigned char)(c >> (8 * i));
      CHECK(bin && len == 64 && !memcmp(bin, want, 64), "small.bin: %zu bytes, not the expected layout", len);
      free(bin);
    }
    TRY(CvxArrangementSetDestroy(&set));
  }

  /* a file from another tool: CRLF, comments, unsorted and repeated columns */
  {
    const char        foreign[] = "# cvxnn-dist arrangements v1\r\n# made by hand\r\n\r\n3 4\r\n1010\r\n0100\r\n1110\r\n\r\n";
    CvxArrangementSet set;
    uint64_t         *all;
    WriteRaw("foreign.txt", foreign, strlen(foreign));
    PathOf("foreign.txt", path);
    TRY(CvxArrangementSetRead(PETSC_COMM_WORLD, 3, path, 0, &set));
    all = TestCheckSet(&set, "foreign");
    CHECK(set.P == 3 && all[0] == 0 && all[1] == 5 && all[2] == 6 && !set.exact, "foreign: P = %d", (int)set.P);
    PetscFree(all);
    TRY(CvxArrangementSetDestroy(&set));
  }

  /* malformed text files */
  {
    const char *const bad_magic[] = {"not a cvxnn-dist arrangements file", "magic.txt:1", NULL};
    WriteRaw("magic.txt", "hello\n3 1\n1\n0\n1\n", 17);
    ExpectReadError("magic.txt", 3, CVX_ERR_DATA, bad_magic);

    const char *const bad_char[] = {"char.txt:4: column 2: bad character 'x'", NULL};
    const char        t_char[]   = "# cvxnn-dist arrangements v1\n3 2\n10\n0x\n11\n";
    WriteRaw("char.txt", t_char, strlen(t_char));
    ExpectReadError("char.txt", 3, CVX_ERR_DATA, bad_char);

    const char *const short_row[] = {"short.txt:3:", "expected P = 3", NULL};
    const char        t_short[]   = "# cvxnn-dist arrangements v1\n3 3\n10\n001\n110\n111\n";
    WriteRaw("short.txt", t_short, strlen(t_short));
    ExpectReadError("short.txt", 3, CVX_ERR_DATA, short_row);

    const char *const huge[] = {"huge.txt:2:", "truncated", NULL};
    const char        t_huge[] = "# cvxnn-dist arrangements v1\n3 2000000000\n0\n1\n0\n";
    WriteRaw("huge.txt", t_huge, strlen(t_huge));
    ExpectReadError("huge.txt", 3, CVX_ERR_DATA, huge);

    const char *const rows[] = {"rows.txt:5:", "unexpected content", NULL};
    const char        t_rows[] = "# cvxnn-dist arrangements v1\n2 2\n10\n01\n11\n";
    WriteRaw("rows.txt", t_rows, strlen(t_rows));
    ExpectReadError("rows.txt", 2, CVX_ERR_DATA, rows);

    const char *const few[] = {"few.txt", "truncated", NULL};
    const char        t_few[] = "# cvxnn-dist arrangements v1\n3 1\n1\n0\n"; /* 2 of 3 rows */
    WriteRaw("few.txt", t_few, strlen(t_few));
    ExpectReadError("few.txt", 3, CVX_ERR_DATA, few);

    const char *const zero[] = {"zero.txt:2:", "P = 0", NULL};
    const char        t_zero[] = "# cvxnn-dist arrangements v1\n3 0\n\n\n\n";
    WriteRaw("zero.txt", t_zero, strlen(t_zero));
    ExpectReadError("zero.txt", 3, CVX_ERR_DATA, zero);

    const char *const header[] = {"header.txt:2:", "two integers", NULL};
    const char        t_header[] = "# cvxnn-dist arrangements v1\n3 two\n";
    WriteRaw("header.txt", t_header, strlen(t_header));
    ExpectReadError("header.txt", 3, CVX_ERR_DATA, header);

    const char *const missing[] = {"does-not-exist.txt", NULL};
    ExpectReadError("does-not-exist.txt", 3, CVX_ERR_FILE, missing);
  }

  /* malformed binary files */
  {
    unsigned char b[64];
    memset(b, 0, sizeof(b));
    memcpy(b, "CVXNNARR", 8);
    b[8]  = 1;
    b[16] = 3;
    b[24] = 1;
    b[32] = 1;
    b[40] = 0xFF; /* bits beyond n = 3 */
    uLong c = crc32(crc32(0L, Z_NULL, 0), b, 48);
    for (int i = 0; i < 4; i++) b[48 + i] = (unsigned char)(c >> (8 * i));
    WriteRaw("stray.bin", b, 56);
    const char *const stray[] = {"beyond n = 3", NULL};
    ExpectReadError("stray.bin", 3, CVX_ERR_DATA, stray);

    b[8] = 2;
    WriteRaw("version.bin", b, 56);
    const char *const version[] = {"version 2", NULL};
    ExpectReadError("version.bin", 3, CVX_ERR_DATA, version);

    b[8] = 1;
    for (int i = 0; i < 8; i++) b[24 + i] = i < 4 ? 0xFE : (i == 4 ? 0x7F : 0); /* P = 2^39 - 2 */
    b[24 + 3] = 0x7F;
    b[24 + 4] = 0;
    WriteRaw("huge.bin", b, 56);
    const char *const hugeb[] = {"huge.bin", "truncated", NULL};
    ExpectReadError("huge.bin", 3, CVX_ERR_DATA, hugeb);

    WriteRaw("header.bin", b, 20);
    const char *const headb[] = {"header.bin", "header", NULL};
    ExpectReadError("header.bin", 3, CVX_ERR_DATA, headb);
  }

  MPI_Barrier(PETSC_COMM_WORLD);
  if (rank == 0 && !failures) {
    char cmd[PETSC_MAX_PATH_LEN + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
  }
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscFinalize();
  return failures ? 1 : 0;
}
