/* CvxConfigLoad is collective: only rank 0 reads the file (the other ranks
 * are given a path that does not exist), every rank ends with the same
 * config, and every error -- missing file, unreadable file, oversized file,
 * bad YAML, bad override, failed validation -- reaches every rank with the
 * same code and message, without hanging. Any rank count. */
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>

static PetscMPIInt rank, size;

/* 1 on every rank when cond fails on any rank. */
static int AnyFailed(int bad)
{
  (void)MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  return bad;
}

/* Checks that every rank has the same error message as rank 0. */
static void SameMessageEverywhere(const char *what)
{
  char msg[4096], root[4096];
  snprintf(msg, sizeof(msg), "%s", CvxErrorLastMessage());
  memcpy(root, msg, sizeof(msg));
  (void)MPI_Bcast(root, (int)sizeof(root), MPI_CHAR, 0, PETSC_COMM_WORLD);
  CHECK(!AnyFailed(strcmp(root, msg) != 0), "[%s] messages differ across ranks: rank %d has '%s'", what, rank, msg);
}

static void WriteFile(const char *path, const char *text)
{
  FILE *f = fopen(path, "wb");
  CHECK(f, "cannot create %s", path);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

int main(int argc, char **argv)
{
  char        dir[] = "/tmp/cvxnn-t008-XXXXXX", path[256], big[256], bad[256], missing[256], mine[256];
  CvxConfig   c;
  const char *ovs[] = {"sgd.widths=[5, 15]", "run.name=mpi run", "sgd.lr=0.125", "sgd.lr=0.25"};

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);

  /* Rank 0 makes a private folder and tells the others its name. */
  if (rank == 0 && !mkdtemp(dir)) dir[0] = '\0';
  (void)MPI_Bcast(dir, (int)sizeof(dir), MPI_CHAR, 0, PETSC_COMM_WORLD);
  CHECK(dir[0], "mkdtemp failed");
  snprintf(path, sizeof(path), "%s/run.yaml", dir);
  snprintf(big, sizeof(big), "%s/big.yaml", dir);
  snprintf(bad, sizeof(bad), "%s/bad.yaml", dir);
  snprintf(missing, sizeof(missing), "%s/missing.yaml", dir);
  if (rank == 0) {
    WriteFile(path, "run:\n  seed: 42\ndata:\n  n_train: 33\n  noise: 0.3\nsgd:\n  widths: [1]\n  lr: 0.5\n");
    WriteFile(bad, "sgd:\n  lr: 0.5\n  epochs: many\n");
    int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)17 << 20) == 0, "cannot make the sparse 17 MiB file");
    if (fd >= 0) close(fd);
  }
  (void)MPI_Barrier(PETSC_COMM_WORLD);

  /* 1. Rank 0 has the real path; the others a path that does not exist. */
  snprintf(mine, sizeof(mine), "%s", rank == 0 ? path : "/nonexistent/elsewhere.yaml");
  PetscErrorCode code = CvxConfigLoad(PETSC_COMM_WORLD, mine, 4, ovs, &c);
  CHECK(!AnyFailed(code != 0), "rank %d: load failed: %s", rank, CvxErrorLastMessage());
  CHECK(c.run.seed == 42 && c.data.n_train == 33 && c.data.noise == 0.3, "rank %d: file values", rank);
  CHECK(c.sgd.n_widths == 2 && c.sgd.widths[1] == 15 && c.sgd.lr == 0.25 && !strcmp(c.run.name, "mpi run"),
        "rank %d: overrides", rank);
  {
    /* Every rank serializes its config; the texts must equal rank 0's. */
    char *text = ConfigText(&c, 0);
    int   len = text ? (int)strlen(text) + 1 : 0, rlen = len;
    (void)MPI_Bcast(&rlen, 1, MPI_INT, 0, PETSC_COMM_WORLD);
    char *root = malloc((size_t)rlen);
    if (rank == 0) memcpy(root, text, (size_t)rlen);
    (void)MPI_Bcast(root, rlen, MPI_CHAR, 0, PETSC_COMM_WORLD);
    CHECK(!AnyFailed(!text || rlen != len || memcmp(root, text, (size_t)len)),
          "rank %d: config text differs from rank 0's", rank);
    free(root);
    free(text);
  }

  /* 2. Rank 0 alone decides whether there is a file: NULL elsewhere is fine. */
  code = CvxConfigLoad(PETSC_COMM_WORLD, rank == 0 ? path : NULL, 0, NULL, &c);
  CHECK(!AnyFailed(code != 0 || c.data.n_train != 33), "rank %d: load with NULL off rank 0: %s", rank,
        CvxErrorLastMessage());

  /* 3. A missing file: CVX_ERR_FILE everywhere, naming the path and the reason. */
  {
    const char *s[] = {"cannot open config file", missing, "No such file or directory", NULL};
    CheckError("missing file", CvxConfigLoad(PETSC_COMM_WORLD, missing, 0, NULL, &c), CVX_ERR_FILE, s);
    SameMessageEverywhere("missing file");
  }
  /* 4. A folder is not a file. */
  {
    const char *s[] = {"cannot read config file", dir, "Is a directory", NULL};
    CheckError("folder", CvxConfigLoad(PETSC_COMM_WORLD, dir, 0, NULL, &c), CVX_ERR_FILE, s);
    SameMessageEverywhere("folder");
  }
  /* 5. An absurdly large file is refused before parsing. */
  {
    const char *s[] = {big, "larger than 16 MiB", NULL};
    CheckError("big file", CvxConfigLoad(PETSC_COMM_WORLD, big, 0, NULL, &c), CVX_ERR_FILE, s);
    SameMessageEverywhere("big file");
  }
  /* 6. A YAML error: every rank parses the same bytes and names rank 0's path. */
  {
    char where[400];
    snprintf(where, sizeof(where), "%s:3:11: sgd.epochs: expected an integer, got 'many'", bad);
    const char *s[] = {where, NULL};
    snprintf(mine, sizeof(mine), "%s", rank == 0 ? bad : "/elsewhere/other-name.yaml");
    CheckError("bad yaml", CvxConfigLoad(PETSC_COMM_WORLD, mine, 0, NULL, &c), CVX_ERR_INPUT, s);
    SameMessageEverywhere("bad yaml");
  }
  /* 7. A bad override and a failed validation are collective too. */
  {
    const char *o[] = {"sgd.lr=zero"};
    const char *s[] = {"--set sgd.lr=zero: expected a number", NULL};
    CheckError("bad override", CvxConfigLoad(PETSC_COMM_WORLD, path, 1, o, &c), CVX_ERR_INPUT, s);
    SameMessageEverywhere("bad override");
    char want[64], ranks[64];
    snprintf(ranks, sizeof(ranks), "sgd.ranks=%d", (int)size);
    snprintf(want, sizeof(want), "world size %d", (int)size);
    const char *o2[] = {ranks};
    const char *s2[] = {"sgd.ranks", want, NULL};
    CheckError("sgd.ranks = size", CvxConfigLoad(PETSC_COMM_WORLD, path, 1, o2, &c), CVX_ERR_INPUT, s2);
    SameMessageEverywhere("sgd.ranks");
    if (size > 1) {
      snprintf(ranks, sizeof(ranks), "sgd.ranks=%d", (int)size - 1);
      CHECK(!AnyFailed(CvxConfigLoad(PETSC_COMM_WORLD, path, 1, o2, &c) != 0 || c.sgd.ranks != size - 1),
            "sgd.ranks = size - 1 rejected");
    }
  }
  /* 8. After the errors, a good load still works (no rank left behind). */
  CHECK(!AnyFailed(CvxConfigLoad(PETSC_COMM_WORLD, path, 0, NULL, &c) != 0), "load after errors failed");

  (void)MPI_Barrier(PETSC_COMM_WORLD);
  if (rank == 0) {
    unlink(path);
    unlink(big);
    unlink(bad);
    rmdir(dir);
  }
  int failed = AnyFailed(failures != 0);
  PetscFinalize();
  return failed;
}
