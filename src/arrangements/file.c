/* Pattern files: writing (rank 0, bounded chunks, atomic rename) and the
 * `file` method (rank 0 reads and validates, then the set is assembled as
 * for the other methods). The formats are described in arrangements.h. */
#include "arrangements/arrangements_impl.h"

#include "core/error.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define TEXT_MAGIC    "# cvxnn-dist arrangements v1"
#define BIN_MAGIC     "CVXNNARR"
#define BIN_VERSION   1u
#define BIN_HEADER    40
#define BIN_FLAG_EXACT 1u
#define CHUNK_WORDS   (1 << 20) /* binary write: words per message (8 MB) */

static void PutU64(unsigned char *b, uint64_t v)
{
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static void PutU32(unsigned char *b, uint32_t v)
{
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t GetU64(const unsigned char *b)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
  return v;
}

static uint32_t GetU32(const unsigned char *b)
{
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)b[i] << (8 * i);
  return v;
}

/* CRC-32 of a buffer of any length (zlib takes uInt lengths). */
static uLong Crc(uLong crc, const unsigned char *buf, size_t len)
{
  while (len > 0) {
    uInt piece = (uInt)(len > (1u << 30) ? (1u << 30) : len);
    crc        = crc32(crc, buf, piece);
    buf += piece;
    len -= piece;
  }
  return crc;
}

/* ------------------------------------------------------------------ write */

typedef struct {
  FILE *fp;
  int   bad;         /* a write failed on rank 0 */
  int   err;         /* its errno */
  uLong crc;
  char  tmp[PETSC_MAX_PATH_LEN + 8];
} Writer;

static void WriteBytes(Writer *w, const void *buf, size_t len)
{
  if (w->bad || len == 0) return;
  if (fwrite(buf, 1, len, w->fp) != len) {
    w->bad = 1;
    w->err = errno;
  }
}

static PetscErrorCode WriteText(const CvxArrangementSet *set, PetscMPIInt rank, PetscMPIInt size, Writer *w)
{
  const PetscInt P = set->P, mloc = set->rend - set->rstart;
  uint64_t      *col, *all = NULL;
  char          *line = NULL;
  PetscMPIInt   *cnt = NULL, *displ = NULL;

  PetscFunctionBeginUser;
  if (rank == 0) {
    char head[128];
    int  len = snprintf(head, sizeof(head), "%s\n%s%d %d\n", TEXT_MAGIC, set->exact ? "# exact: true\n" : "",
                        (int)set->n, (int)P);
    WriteBytes(w, head, (size_t)len);
    PetscCall(PetscMalloc4((size_t)P, &all, (size_t)P + 1, &line, size, &cnt, size, &displ));
    for (PetscMPIInt q = 0; q < size; q++) {
      PetscInt qs, qe;
      CvxArrangementRange(P, size, q, &qs, &qe);
      cnt[q]   = (PetscMPIInt)(qe - qs);
      displ[q] = (PetscMPIInt)qs;
    }
    line[P] = '\n';
  }
  PetscCall(PetscMalloc1((size_t)mloc, &col));
  for (PetscInt wi = 0; wi < set->words; wi++) {
    for (PetscInt j = 0; j < mloc; j++) col[j] = set->bits[(size_t)j * set->words + wi];
    PetscCallMPI(MPI_Gatherv(col, (int)mloc, MPI_UINT64_T, all, cnt, displ, MPI_UINT64_T, 0, set->comm));
    if (rank == 0) {
      PetscInt rows = PetscMin(64, set->n - 64 * wi);
      for (PetscInt b = 0; b < rows; b++) {
        for (PetscInt j = 0; j < P; j++) line[j] = (char)('0' + ((all[j] >> b) & 1u));
        WriteBytes(w, line, (size_t)P + 1);
      }
    }
  }
  PetscCall(PetscFree(col));
  if (rank == 0) PetscCall(PetscFree4(all, line, cnt, displ));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteBinary(const CvxArrangementSet *set, PetscMPIInt rank, PetscMPIInt size, Writer *w)
{
  const PetscInt words = set->words;
  const int64_t  chunk = PetscMax(1, CHUNK_WORDS / words); /* patterns per message */
  uint64_t      *buf   = NULL;
  unsigned char *bytes = NULL;

  PetscFunctionBeginUser;
  if (rank == 0) {
    unsigned char head[BIN_HEADER];
    memcpy(head, BIN_MAGIC, 8);
    PutU32(head + 8, BIN_VERSION);
    PutU32(head + 12, set->exact ? BIN_FLAG_EXACT : 0u);
    PutU64(head + 16, (uint64_t)set->n);
    PutU64(head + 24, (uint64_t)set->P);
    PutU64(head + 32, (uint64_t)words);
    w->crc = Crc(w->crc, head, sizeof(head));
    WriteBytes(w, head, sizeof(head));
    PetscCall(PetscMalloc2((size_t)chunk * words, &buf, (size_t)chunk * words * 8, &bytes));
  }
  /* rank 0 receives each rank's patterns in order, chunk by chunk */
  for (PetscMPIInt q = 0; q < size; q++) {
    PetscInt qs, qe;
    CvxArrangementRange(set->P, size, q, &qs, &qe);
    for (int64_t c0 = qs; c0 < qe; c0 += chunk) {
      const int64_t   cnt = PetscMin(chunk, (int64_t)qe - c0);
      const int       nw  = (int)(cnt * words);
      const uint64_t *src = NULL;
      if (q == rank && q != 0) {
        PetscCallMPI(MPI_Send(set->bits + (size_t)(c0 - qs) * words, nw, MPI_UINT64_T, 0, 731, set->comm));
      } else if (rank == 0) {
        if (q == 0) src = set->bits + (size_t)(c0 - qs) * words;
        else {
          PetscCallMPI(MPI_Recv(buf, nw, MPI_UINT64_T, q, 731, set->comm, MPI_STATUS_IGNORE));
          src = buf;
        }
        for (int k = 0; k < nw; k++) PutU64(bytes + 8 * (size_t)k, src[k]);
        w->crc = Crc(w->crc, bytes, (size_t)nw * 8);
        WriteBytes(w, bytes, (size_t)nw * 8);
      }
    }
  }
  if (rank == 0) {
    unsigned char tail[8];
    PutU64(tail, (uint64_t)(w->crc & 0xFFFFFFFFul));
    WriteBytes(w, tail, 8);
    PetscCall(PetscFree2(buf, bytes));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetWrite(const CvxArrangementSet *set, const char *path, CvxArrangementFormat fmt)
{
  PetscMPIInt rank, size;
  Writer      w;
  int         status[2] = {0, 0}; /* [0]: 1 = open failed, 2 = write failed; [1]: errno */

  PetscFunctionBeginUser;
  PetscCheck(fmt == CVX_ARRANGEMENT_FORMAT_TEXT || fmt == CVX_ARRANGEMENT_FORMAT_BINARY, set->comm, CVX_ERR_INPUT,
             "unknown arrangement file format %d", (int)fmt);
  PetscCheck(path && path[0] && strlen(path) < PETSC_MAX_PATH_LEN, set->comm, CVX_ERR_INPUT,
             "bad arrangement file path (empty or longer than %d characters)", PETSC_MAX_PATH_LEN - 1);
  PetscCheck(set->P > 0, set->comm, PETSC_ERR_ARG_WRONGSTATE, "cannot write an empty arrangement set to '%s'", path);
  PetscCallMPI(MPI_Comm_rank(set->comm, &rank));
  PetscCallMPI(MPI_Comm_size(set->comm, &size));
  memset(&w, 0, sizeof(w));
  w.crc = crc32(0L, Z_NULL, 0);
  snprintf(w.tmp, sizeof(w.tmp), "%s.tmp", path);
  if (rank == 0) {
    w.fp = fopen(w.tmp, "wb");
    if (!w.fp) {
      status[0] = 1;
      status[1] = errno;
    }
  }
  PetscCallMPI(MPI_Bcast(status, 2, MPI_INT, 0, set->comm));
  PetscCheck(status[0] == 0, set->comm, CVX_ERR_FILE, "cannot write arrangement file '%s': %s", w.tmp,
             strerror(status[1]));

  /* Communication errors abort; a failing write on rank 0 is recorded and
   * reported to every rank once the transfer is over. */
  if (fmt == CVX_ARRANGEMENT_FORMAT_TEXT) PetscCall(WriteText(set, rank, size, &w));
  else PetscCall(WriteBinary(set, rank, size, &w));

  if (rank == 0) {
    if (!w.bad && fflush(w.fp) != 0) {
      w.bad = 1;
      w.err = errno;
    }
    if (!w.bad && fsync(fileno(w.fp)) != 0 && errno != EINVAL) {
      w.bad = 1;
      w.err = errno;
    }
    if (fclose(w.fp) != 0 && !w.bad) {
      w.bad = 1;
      w.err = errno;
    }
    if (!w.bad && rename(w.tmp, path) != 0) {
      w.bad = 1;
      w.err = errno;
    }
    if (w.bad) unlink(w.tmp);
    status[0] = w.bad ? 2 : 0;
    status[1] = w.err;
  }
  PetscCallMPI(MPI_Bcast(status, 2, MPI_INT, 0, set->comm));
  PetscCheck(status[0] == 0, set->comm, CVX_ERR_FILE, "writing arrangement file '%s' failed: %s", path,
             strerror(status[1]));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------- read */

typedef struct {
  const char *path;
  PetscInt    n, words;
  int64_t     m;     /* patterns read */
  uint64_t   *pat;   /* m * words */
  int         exact; /* the file marks the set as exact */
} Reader;

/* Reads one line into *line (getline semantics) and strips the line end.
 * Returns the length, or -1 at end of file. */
static ssize_t ReadLine(FILE *fp, char **line, size_t *cap)
{
  ssize_t len = getline(line, cap, fp);
  if (len < 0) return -1;
  while (len > 0 && ((*line)[len - 1] == '\n' || (*line)[len - 1] == '\r')) (*line)[--len] = '\0';
  return len;
}

static PetscBool IsBlank(const char *s)
{
  for (; *s; s++)
    if (*s != ' ' && *s != '\t') return PETSC_FALSE;
  return PETSC_TRUE;
}

/* Describes a character for an error message. */
static const char *CharName(char c, char *buf, size_t len)
{
  if (c >= 33 && c < 127) snprintf(buf, len, "'%c'", c);
  else snprintf(buf, len, "byte 0x%02x", (unsigned)(unsigned char)c);
  return buf;
}

static PetscErrorCode ReadText(FILE *fp, off_t fsize, Reader *rd)
{
  char     *line = NULL;
  size_t    cap  = 0;
  ssize_t   len;
  long      lineno = 0;
  long long fn = -1, fP = -1;
  char      extra, cname[32];

  PetscFunctionBeginUser;
  /* header: magic, comments, "n P" */
  len = ReadLine(fp, &line, &cap);
  lineno++;
  if (len < 0 || strncmp(line, TEXT_MAGIC, strlen(TEXT_MAGIC)) || !IsBlank(line + strlen(TEXT_MAGIC))) {
    free(line);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:1: not a cvxnn-dist arrangements file (the first line must be '%s')",
            rd->path, TEXT_MAGIC);
  }
  for (;;) {
    len = ReadLine(fp, &line, &cap);
    lineno++;
    if (len < 0) {
      free(line);
      SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%ld: the file ends before the line 'n P'", rd->path, lineno);
    }
    if (line[0] == '#') {
      char key[32] = "", val[32] = "";
      if (sscanf(line + 1, " %31[a-z_] : %31s", key, val) == 2 && !strcmp(key, "exact"))
        rd->exact = !strcmp(val, "true") ? 1 : 0;
      continue;
    }
    if (IsBlank(line)) continue;
    break;
  }
  if (sscanf(line, " %lld %lld %c", &fn, &fP, &extra) != 2 || fn < 1 || fP < 0) {
    free(line);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%ld: expected two integers 'n P' (samples, patterns)", rd->path, lineno);
  }
  if (fn != rd->n) {
    free(line);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%ld: the file has patterns of n = %lld samples, but the data has n = %d",
            rd->path, lineno, fn, (int)rd->n);
  }
  if (fP < 1 || fP > PETSC_MAX_INT - 1) {
    free(line);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%ld: the number of patterns P = %lld must be between 1 and %d", rd->path,
            lineno, fP, (int)PETSC_MAX_INT - 1);
  }
  /* every row needs P characters and a line end: check before allocating */
  off_t here = ftello(fp);
  if (here < 0 || fsize - here < (off_t)(fn * (fP + 1))) {
    free(line);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA,
            "%s:%ld: truncated: the header announces %lld rows of %lld characters (%lld bytes) but only %lld bytes "
            "follow",
            rd->path, lineno, fn, fP, fn * (fP + 1), (long long)(here < 0 ? 0 : fsize - here));
  }
  const PetscInt P = (PetscInt)fP, words = rd->words;
  PetscCall(PetscCalloc1((size_t)P * words, &rd->pat));
  rd->m = P;
  for (PetscInt i = 0; i < rd->n; i++) {
    len = ReadLine(fp, &line, &cap);
    lineno++;
    if (len < 0) {
      free(line);
      SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%ld: truncated: the file ends after %d of %d rows", rd->path, lineno,
              (int)i, (int)rd->n);
    }
    for (PetscInt j = 0; j < PetscMin((PetscInt)len, P); j++) {
      char c = line[j];
      if (c == '1') rd->pat[(size_t)j * words + (i >> 6)] |= 1ull << (i & 63);
      else if (c != '0') {
        CharName(c, cname, sizeof(cname));
        free(line);
        SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%ld: column %d: bad character %s (expected 0 or 1)", rd->path,
                lineno, (int)j + 1, cname);
      }
    }
    if (len != (ssize_t)P) {
      free(line);
      SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%ld: row of sample %d has %ld characters, expected P = %d", rd->path,
              lineno, (int)i, (long)len, (int)P);
    }
  }
  while ((len = ReadLine(fp, &line, &cap)) >= 0) {
    lineno++;
    if (!IsBlank(line)) {
      free(line);
      SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s:%ld: unexpected content after the %d rows", rd->path, lineno,
              (int)rd->n);
    }
  }
  free(line);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadBinary(FILE *fp, off_t fsize, Reader *rd)
{
  unsigned char head[BIN_HEADER], tail[8], *bytes;
  uLong         crc = crc32(0L, Z_NULL, 0);

  PetscFunctionBeginUser;
  PetscCheck(fread(head, 1, BIN_HEADER, fp) == BIN_HEADER, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: truncated: the file ends inside the %d-byte header", rd->path, BIN_HEADER);
  const uint32_t version = GetU32(head + 8), flags = GetU32(head + 12);
  const uint64_t fn = GetU64(head + 16), fP = GetU64(head + 24), fw = GetU64(head + 32);
  PetscCheck(version == BIN_VERSION, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: byte 8: unsupported binary arrangements version %u (this program reads version %u)", rd->path,
             (unsigned)version, BIN_VERSION);
  PetscCheck((flags & ~BIN_FLAG_EXACT) == 0, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: byte 12: unknown flags 0x%x", rd->path,
             (unsigned)flags);
  PetscCheck(fn == (uint64_t)rd->n, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: byte 16: the file has patterns of n = %llu samples, but the data has n = %d", rd->path,
             (unsigned long long)fn, (int)rd->n);
  PetscCheck(fw == (uint64_t)rd->words, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: byte 32: words per pattern is %llu, but n = %d needs %d", rd->path, (unsigned long long)fw,
             (int)rd->n, (int)rd->words);
  PetscCheck(fP >= 1 && fP <= (uint64_t)PETSC_MAX_INT - 1, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: byte 24: the number of patterns P = %llu must be between 1 and %d", rd->path,
             (unsigned long long)fP, (int)PETSC_MAX_INT - 1);
  /* fP < 2^31 and fw < 2^26: no overflow */
  const uint64_t payload = fP * fw * 8, want = BIN_HEADER + payload + 8;
  PetscCheck((uint64_t)fsize >= want, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: truncated: the header announces %llu patterns (%llu bytes in all) but the file has %lld bytes",
             rd->path, (unsigned long long)fP, (unsigned long long)want, (long long)fsize);
  PetscCheck((uint64_t)fsize == want, PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: %lld bytes, but the header announces %llu patterns (%llu bytes in all): trailing data", rd->path,
             (long long)fsize, (unsigned long long)fP, (unsigned long long)want);
  crc = Crc(crc, head, BIN_HEADER);
  /* read and decode in chunks of at most CHUNK_WORDS words */
  const size_t total = (size_t)(fP * fw), chunk = PetscMin(total, (size_t)CHUNK_WORDS);
  uint64_t    *pat;
  PetscCall(PetscMalloc1(total, &pat));
  PetscCall(PetscMalloc1(chunk * 8, &bytes));
  for (size_t k0 = 0; k0 < total; k0 += chunk) {
    const size_t cnt = PetscMin(chunk, total - k0);
    if (fread(bytes, 1, cnt * 8, fp) != cnt * 8) {
      PetscCall(PetscFree(bytes));
      PetscCall(PetscFree(pat));
      SETERRQ(PETSC_COMM_SELF, CVX_ERR_DATA, "%s: byte %llu: read error or truncated payload", rd->path,
              (unsigned long long)(BIN_HEADER + 8 * k0));
    }
    crc = Crc(crc, bytes, cnt * 8);
    for (size_t k = 0; k < cnt; k++) pat[k0 + k] = GetU64(bytes + 8 * k);
  }
  PetscCall(PetscFree(bytes));
  rd->pat = pat;
  rd->m   = (int64_t)fP;
  PetscCheck(fread(tail, 1, 8, fp) == 8, PETSC_COMM_SELF, CVX_ERR_DATA, "%s: truncated: the checksum is missing",
             rd->path);
  PetscCheck(GetU64(tail) == (uint64_t)(crc & 0xFFFFFFFFul), PETSC_COMM_SELF, CVX_ERR_DATA,
             "%s: checksum mismatch (stored 0x%llx, computed 0x%llx): the file is corrupt", rd->path,
             (unsigned long long)GetU64(tail), (unsigned long long)(crc & 0xFFFFFFFFul));
  if (rd->n % 64) {
    const uint64_t high = ~0ull << (rd->n % 64);
    for (uint64_t j = 0; j < fP; j++)
      PetscCheck(!(pat[j * fw + fw - 1] & high), PETSC_COMM_SELF, CVX_ERR_DATA,
                 "%s: pattern %llu has bits set beyond n = %d", rd->path, (unsigned long long)j, (int)rd->n);
  }
  rd->exact = (flags & BIN_FLAG_EXACT) ? 1 : 0;
  PetscFunctionReturn(0);
}

/* Rank 0: opens, detects the format, reads and validates. */
static PetscErrorCode ReadFile(void *ctx)
{
  Reader       *rd = (Reader *)ctx;
  FILE         *fp;
  struct stat   st;
  char          magic[8];
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  fp = fopen(rd->path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot open arrangement file '%s': %s", rd->path, strerror(errno));
  if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(fp);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "arrangement file '%s' is not a regular file", rd->path);
  }
  size_t got = fread(magic, 1, 8, fp);
  rewind(fp);
  if (got == 8 && !memcmp(magic, BIN_MAGIC, 8)) ierr = ReadBinary(fp, st.st_size, rd);
  else ierr = ReadText(fp, st.st_size, rd);
  fclose(fp);
  if (ierr) {
    PetscCall(PetscFree(rd->pat));
    rd->m = 0;
  }
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode CvxArrangementSetRead(MPI_Comm comm, PetscInt n, const char *path, PetscInt max_patterns,
                                     CvxArrangementSet *set)
{
  Reader rd;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, comm, CVX_ERR_INPUT, "arrangements need at least one training sample, got n = %d", (int)n);
  PetscCheck(max_patterns >= 0, comm, CVX_ERR_INPUT, "arrangements.max_patterns must be >= 0, got %d", (int)max_patterns);
  PetscCheck(path && path[0], comm, CVX_ERR_INPUT, "no arrangement file given");
  memset(&rd, 0, sizeof(rd));
  rd.path  = path;
  rd.n     = n;
  rd.words = (n + 63) / 64;
  PetscCall(CvxRootRun(comm, ReadFile, &rd));
  PetscCallMPI(MPI_Bcast(&rd.exact, 1, MPI_INT, 0, comm));
  PetscCall(CvxArrangementSetAssemble(comm, n, rd.m, rd.pat, max_patterns, rd.exact ? PETSC_TRUE : PETSC_FALSE, PETSC_FALSE,
                                      set));
  PetscFunctionReturn(0);
}
