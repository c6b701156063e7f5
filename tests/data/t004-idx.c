/* IDX source on small files written by the test, plain and gzip-compressed:
 * values, selection, the plain file winning over .gz, and the errors: bad
 * magic, a header claiming more items than the file holds (plain and .gz,
 * under an address-space limit so a huge allocation would fail the test),
 * count mismatch, implausible dimensions, short header, missing file. */
#include "datatest.h"

#include <sys/resource.h>

#define ROWS 3
#define COLS 4
#define NTR 25 /* training images */
#define NTE 10 /* test images */

static char top[4096];

/* Pixel j of image i of set s (0 training, 1 test), plus a variant offset. */
static unsigned char Pixel(int s, int i, int j, int variant)
{
  return (unsigned char)((s * 50 + i * 11 + j * 17 + variant * 3) % 256);
}

typedef struct {
  int      gz[4];     /* train images, train labels, test images, test labels */
  uint32_t magic[4];  /* 0 = the right one */
  uint32_t claim[4];  /* header count, 0 = the true count */
  int      drop[4];   /* images (or labels) left out of the data */
  uint32_t rows;      /* 0 = ROWS */
  int      skip;      /* file index not written, -1 for none */
  int      variant;   /* added to the pixels */
  int      label_mod; /* labels are i % label_mod */
} IdxSpec;

static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                     "t10k-labels-idx1-ubyte"};

/* Writes the four files of spec into top/folder (created when missing). */
static void WriteFolder(const char *folder_name, const IdxSpec *spec)
{
  char          folder[4200], name[64];
  unsigned char pix[NTR * ROWS * COLS], lab[NTR];

  TestPath(folder, sizeof(folder), top, folder_name);
  mkdir(folder, 0700);
  for (int f = 0; f < 4; f++) {
    const int      s = f / 2, n = s ? NTE : NTR, images = f % 2 == 0;
    const uint32_t rows = spec->rows ? spec->rows : ROWS;
    int            keep = n - spec->drop[f];

    if (f == spec->skip) continue;
    for (int i = 0; i < n; i++) {
      lab[i] = (unsigned char)(i % spec->label_mod);
      for (int j = 0; j < ROWS * COLS; j++)
        pix[i * ROWS * COLS + j] = Pixel(s, i, j, spec->variant);
    }
    snprintf(name, sizeof(name), "%s%s", names[f], spec->gz[f] ? ".gz" : "");
    TestWriteIdx(folder, name,
                 spec->magic[f] ? spec->magic[f]
                 : images       ? 0x803u
                                : 0x801u,
                 spec->claim[f] ? spec->claim[f] : (uint32_t)n, rows, COLS, images ? pix : lab,
                 (size_t)keep * (images ? ROWS * COLS : 1), spec->gz[f]);
  }
}

static void DefaultSpec(IdxSpec *spec)
{
  memset(spec, 0, sizeof(*spec));
  spec->skip      = -1;
  spec->label_mod = 5;
}

/* The config fields this test needs, on top of zeros. */
static void TestConfig(CvxConfig *cfg, const char *folder, int c0, int c1)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->run.seed          = 1;
  cfg->data.source       = CVX_DATA_IDX;
  cfg->data.classes[0]   = c0;
  cfg->data.classes[1]   = c1;
  cfg->data.scale_pixels = PETSC_TRUE;
  TestPath(cfg->data.path, sizeof(cfg->data.path), top, folder);
}

/* Checks that X, y hold, in order, the images of set s with label c0 or c1
 * (labels i % 5), at most per_class of each and cap in all (0 = no limit). */
static void CheckSelection(int line, const double *X, const double *y, PetscInt n, int s, int c0, int c1, int per_class,
                           int cap, int variant)
{
  int i = 0, taken[2] = {0, 0};

  for (int r = 0; r < (s ? NTE : NTR); r++) {
    int c = r % 5 == c0 ? 0 : r % 5 == c1 ? 1 : -1;
    if (c < 0 || (per_class && taken[c] >= per_class) || (cap && i >= cap)) continue;
    taken[c]++;
    if (i >= n) {
      fprintf(stderr, "FAIL line %d: only %d samples\n", line, (int)n);
      failures++;
      return;
    }
    CHECK(y[i] == (c ? 1.0 : -1.0), "line %d: sample %d label %g", line, i, y[i]);
    for (int j = 0; j < ROWS * COLS; j++)
      CHECK(X[i + (size_t)j * n] == Pixel(s, r, j, variant) / 255.0, "line %d: sample %d pixel %d = %g, want %g", line,
            i, j, X[i + (size_t)j * n], Pixel(s, r, j, variant) / 255.0);
    i++;
  }
  CHECK(i == n, "line %d: %d samples, want %d", line, (int)n, i);
}

static void TestGood(void)
{
  CvxConfig  cfg;
  CvxDataset ds;
  IdxSpec    spec;

  for (int mode = 0; mode < 3; mode++) { /* all plain, all .gz, mixed */
    char folder[32];
    DefaultSpec(&spec);
    for (int f = 0; f < 4; f++)
      spec.gz[f] = mode == 1 || (mode == 2 && f % 3 == 0);
    snprintf(folder, sizeof(folder), "good%d", mode);
    WriteFolder(folder, &spec);
    TestConfig(&cfg, folder, 1, 4);
    REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
    CHECK(ds.n == 10 && ds.n_test == 4 && ds.d == ROWS * COLS && ds.classification, "mode %d sizes %d %d %d", mode,
          (int)ds.n, (int)ds.n_test, (int)ds.d);
    CheckSelection(__LINE__, ds.X, ds.y, ds.n, 0, 1, 4, 0, 0, 0);
    CheckSelection(__LINE__, ds.Xtest, ds.ytest, ds.n_test, 1, 1, 4, 0, 0, 0);
    CHECK(strstr(ds.description, "25 train / 10 test images of 3x4"), "description '%s'", ds.description);
    REQUIRE_OK(CvxDatasetDestroy(&ds));
  }

  /* Per class, caps, and the other sign order. */
  TestConfig(&cfg, "good1", 4, 1);
  cfg.data.per_class      = 3;
  cfg.data.n_train        = 5;
  cfg.data.test_per_class = 1;
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  CheckSelection(__LINE__, ds.X, ds.y, ds.n, 0, 4, 1, 3, 5, 0);
  CheckSelection(__LINE__, ds.Xtest, ds.ytest, ds.n_test, 1, 4, 1, 1, 0, 0);
  REQUIRE_OK(CvxDatasetDestroy(&ds));

  /* Both plain and .gz present: the plain file is read. */
  DefaultSpec(&spec);
  spec.variant = 1;
  for (int f = 0; f < 4; f++)
    spec.gz[f] = 1;
  WriteFolder("good0", &spec);
  TestConfig(&cfg, "good0", 1, 4);
  REQUIRE_OK(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds));
  CheckSelection(__LINE__, ds.X, ds.y, ds.n, 0, 1, 4, 0, 0, 0);
  REQUIRE_OK(CvxDatasetDestroy(&ds));
}

/* Limits the address space to what the process maps now plus 512 MiB, so
 * an allocation sized by a lying header fails (and fails the test). */
static void LimitAddressSpace(void)
{
  FILE         *f     = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  struct rlimit rl;
  rlim_t        want;

  if (!f || fscanf(f, "%lu", &pages) != 1) {
    if (f) fclose(f);
    return;
  }
  fclose(f);
  if (getrlimit(RLIMIT_AS, &rl) != 0) return;
  want = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)512 << 20);
  if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) want = rl.rlim_max;
  rl.rlim_cur = want;
  CHECK(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit failed");
}

static void TestErrors(void)
{
  CvxConfig  cfg;
  CvxDataset ds;
  IdxSpec    spec;

  DefaultSpec(&spec);
  spec.magic[0] = 0x802;
  WriteFolder("magic", &spec);
  TestConfig(&cfg, "magic", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "magic/train-images-idx3-ubyte:", "bad magic",
               "0x00000802");
  CHECK(ds.X == NULL, "failed load left arrays behind");

  DefaultSpec(&spec);
  spec.magic[3] = 0x803;
  spec.gz[3]    = 1;
  WriteFolder("magic2", &spec);
  TestConfig(&cfg, "magic2", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "magic2/t10k-labels-idx1-ubyte.gz:", "bad magic");

  DefaultSpec(&spec);
  spec.claim[1] = NTR - 1;
  WriteFolder("count", &spec);
  TestConfig(&cfg, "count", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "count/train-images-idx3-ubyte:", "25 images",
               "count/train-labels-idx1-ubyte claims 24 labels");

  DefaultSpec(&spec);
  spec.rows = 5000000;
  WriteFolder("dims", &spec);
  TestConfig(&cfg, "dims", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds),
               "dims/train-images-idx3-ubyte:", "implausible image size 5000000x4");

  DefaultSpec(&spec);
  spec.skip = 3;
  WriteFolder("missing", &spec);
  TestConfig(&cfg, "missing", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "missing/t10k-labels-idx1-ubyte or",
               "t10k-labels-idx1-ubyte.gz");

  DefaultSpec(&spec);
  spec.skip = 0;
  WriteFolder("stub", &spec);
  TestWriteBytes(top, "stub/train-images-idx3-ubyte.gz", "\x00\x00\x08\x03\x00", 5, 1);
  TestConfig(&cfg, "stub", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds),
               "stub/train-images-idx3-ubyte.gz:", "too short for an IDX header");

  DefaultSpec(&spec);
  spec.label_mod = 4; /* labels 0..3: class 4 absent */
  WriteFolder("absent", &spec);
  TestConfig(&cfg, "absent", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "absent/train-labels-idx1-ubyte", "no records of class 4");
  TestConfig(&cfg, "good0", 1, 4);
  cfg.data.per_class = 6;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "good0/train-labels-idx1-ubyte", "data.per_class = 6",
               "has only 5 records");
  cfg.data.per_class = 0;
  cfg.data.n_test    = 5;
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds), "good0/t10k-labels-idx1-ubyte", "data.n_test = 5",
               "only 4 records");

  /* Headers that claim far more than the files hold. */
  LimitAddressSpace();
  DefaultSpec(&spec);
  spec.claim[0] = spec.claim[1] = 1000000000u;
  WriteFolder("claim", &spec);
  TestConfig(&cfg, "claim", 1, 4);
  EXPECT_ERROR(
      CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds),
      "claim/train-images-idx3-ubyte: header claims 1000000000 images of 3x4 but the file holds only 316 bytes");

  DefaultSpec(&spec);
  spec.claim[2] = spec.claim[3] = 4000000000u;
  spec.gz[2] = spec.gz[3] = 1;
  WriteFolder("claimgz", &spec);
  TestConfig(&cfg, "claimgz", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds),
               "claimgz/t10k-labels-idx1-ubyte.gz: header claims 4000000000 labels but the file holds only 18 bytes "
               "(uncompressed)");

  DefaultSpec(&spec);
  spec.drop[0] = 5;
  spec.gz[0]   = 1;
  WriteFolder("shortgz", &spec);
  TestConfig(&cfg, "shortgz", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds),
               "shortgz/train-images-idx3-ubyte.gz: header claims 25 images of 3x4 but the file holds only 256 bytes "
               "(uncompressed)");

  DefaultSpec(&spec);
  spec.drop[3] = 1;
  WriteFolder("shortlab", &spec);
  TestConfig(&cfg, "shortlab", 1, 4);
  EXPECT_ERROR(CvxDatasetLoad(PETSC_COMM_WORLD, &cfg, &ds),
               "shortlab/t10k-labels-idx1-ubyte: header claims 10 labels but the file holds only 17 bytes");
}

int main(int argc, char **argv)
{
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  TestTempDir(top, sizeof(top));
  TestGood();
  TestErrors();
  TestRemoveTree(top);
  if (PetscFinalize()) return 1;
  return failures ? 1 : 0;
}
