/* Validation: ranges (also of values set in code, not parsed) and every
 * cross-key rule; each message names the key. */
#include "check.h"

#include <math.h>

typedef struct {
  const char *what;
  void (*edit)(CvxConfig *);
  int         world;
  const char *subs[4];
} Case;

static void RanksEqualWorld(CvxConfig *c)
{
  c->sgd.ranks = 2;
}
static void RanksAboveWorld(CvxConfig *c)
{
  c->sgd.ranks = 5;
}
static void EmptyWidths(CvxConfig *c)
{
  c->sgd.n_widths = 0;
}
static void ZeroWidth(CvxConfig *c)
{
  c->sgd.n_widths  = 2;
  c->sgd.widths[1] = 0;
}
static void TooManyWidths(CvxConfig *c)
{
  c->sgd.n_widths = CVX_MAX_WIDTHS + 1;
}
static void ZeroTrials(CvxConfig *c)
{
  c->sgd.trials = 0;
}
static void SameClasses(CvxConfig *c)
{
  c->data.classes[0] = c->data.classes[1] = 3;
}
static void ClassTen(CvxConfig *c)
{
  c->data.classes[1] = 10;
}
static void ClassNegative(CvxConfig *c)
{
  c->data.classes[0] = -1;
}
static void CsvNoPath(CvxConfig *c)
{
  c->data.source = CVX_DATA_CSV;
}
static void CifarNoPath(CvxConfig *c)
{
  c->data.source = CVX_DATA_CIFAR10;
}
static void IdxNoPath(CvxConfig *c)
{
  c->data.source = CVX_DATA_IDX;
}
static void FileNoFile(CvxConfig *c)
{
  c->arrangements.method = CVX_ARR_FILE;
}
static void NothingToRun(CvxConfig *c)
{
  c->convex.enabled = PETSC_FALSE;
  c->sgd.enabled    = PETSC_FALSE;
}
static void SyntheticNoSamples(CvxConfig *c)
{
  c->data.n_train = 0;
}
static void NameSlash(CvxConfig *c)
{
  strcpy(c->run.name, "a/b");
}
static void NameEmpty(CvxConfig *c)
{
  c->run.name[0] = '\0';
}
static void NameDotDot(CvxConfig *c)
{
  strcpy(c->run.name, "..");
}
static void DirEmpty(CvxConfig *c)
{
  c->output.dir[0] = '\0';
}
static void LrNan(CvxConfig *c)
{
  c->sgd.lr = NAN;
}
static void BetaInf(CvxConfig *c)
{
  c->model.beta = INFINITY;
}
static void RelaxTwo(CvxConfig *c)
{
  c->convex.relaxation = 2.0;
}
static void Beta2One(CvxConfig *c)
{
  c->sgd.beta2 = 1.0;
}
static void TolZero(CvxConfig *c)
{
  c->convex.tol = 0;
}
static void EnumBad(CvxConfig *c)
{
  c->sgd.optimizer = (CvxOptimizer)9;
}
static void BoolBad(CvxConfig *c)
{
  c->data.bias = (PetscBool)2;
}
static void RepeatedWidth(CvxConfig *c)
{
  c->sgd.n_widths  = 3;
  c->sgd.widths[0] = 5;
  c->sgd.widths[1] = 15;
  c->sgd.widths[2] = 5;
}
static void NegSize(CvxConfig *c)
{
  c->data.n_test = -2;
}
static void NegSeed(CvxConfig *c)
{
  c->run.seed = -3;
}
static void Unterminated(CvxConfig *c)
{
  memset(c->run.name, 'x', sizeof(c->run.name));
}

static const Case bad[] = {
    {"ranks = world", RanksEqualWorld, 2, {"sgd.ranks = 2", "world size 2", "rank 0"}},
    {"ranks > world", RanksAboveWorld, 4, {"sgd.ranks = 5", "world size 4"}},
    {"ranks on one rank", RanksEqualWorld, 1, {"sgd.ranks = 2", "world size 1"}},
    {"empty widths", EmptyWidths, 1, {"sgd.widths is empty but sgd.enabled is true"}},
    {"zero width", ZeroWidth, 1, {"sgd.widths = [5, 0]: value 0 is out of range: must be >= 1"}},
    {"65 widths", TooManyWidths, 1, {"sgd.widths has 65 values; at most 64"}},
    {"zero trials", ZeroTrials, 1, {"sgd.trials = 0 is out of range: must be >= 1"}},
    {"same classes", SameClasses, 1, {"data.classes = [3, 3]", "must differ"}},
    {"class 10", ClassTen, 1, {"data.classes = [0, 10]", "must be in 0 .. 9"}},
    {"class -1", ClassNegative, 1, {"data.classes = [-1, 1]", "must be in 0 .. 9"}},
    {"csv without path", CsvNoPath, 1, {"data.path is empty but data.source is csv"}},
    {"cifar10 without path", CifarNoPath, 1, {"data.path is empty but data.source is cifar10"}},
    {"idx without path", IdxNoPath, 1, {"data.path is empty but data.source is idx"}},
    {"file without file", FileNoFile, 1, {"arrangements.file is empty but arrangements.method is file"}},
    {"nothing to run", NothingToRun, 1, {"convex.enabled and sgd.enabled are both false"}},
    {"synthetic without samples", SyntheticNoSamples, 1, {"data.n_train = 0", "synthetic"}},
    {"name with slash", NameSlash, 1, {"run.name = \"a/b\""}},
    {"empty name", NameEmpty, 1, {"run.name = \"\""}},
    {"name ..", NameDotDot, 1, {"run.name = \"..\""}},
    {"empty dir", DirEmpty, 1, {"output.dir is empty"}},
    {"NaN lr", LrNan, 1, {"sgd.lr = .nan is out of range: must be > 0"}},
    {"inf beta", BetaInf, 1, {"model.beta = .inf is out of range"}},
    {"relaxation 2", RelaxTwo, 1, {"convex.relaxation = 2.0 is out of range: must be in (0, 2)"}},
    {"beta2 1", Beta2One, 1, {"sgd.beta2 = 1.0 is out of range: must be in [0, 1)"}},
    {"tol 0", TolZero, 1, {"convex.tol = 0.0 is out of range: must be > 0"}},
    {"bad enum", EnumBad, 1, {"sgd.optimizer = 9 is not a valid choice"}},
    {"bad bool", BoolBad, 1, {"data.bias = 2 is not a boolean"}},
    {"repeated width", RepeatedWidth, 1, {"sgd.widths lists 5 twice"}},
    {"negative size", NegSize, 1, {"data.n_test = -2 is out of range: must be >= -1"}},
    {"negative seed", NegSeed, 1, {"run.seed = -3 is out of range: must be >= 0"}},
    {"unterminated string", Unterminated, 1, {"run.name is longer than 255 bytes"}},
};

static void Ok(CvxConfig *c, const char *what, int world)
{
  PetscErrorCode code = CvxConfigValidate(c, world);
  CHECK(code == 0, "[%s] rejected: %s", what, CvxErrorLastMessage());
}

int main(int argc, char **argv)
{
  CvxConfig def, c;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  CvxConfigSetDefaults(&def);

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    c = def;
    bad[i].edit(&c);
    CheckError(bad[i].what, CvxConfigValidate(&c, bad[i].world), CVX_ERR_INPUT, bad[i].subs);
  }

  /* Valid corner cases. */
  c           = def;
  c.sgd.ranks = 1;
  Ok(&c, "ranks 1 of 2", 2);
  c.sgd.ranks = 3;
  Ok(&c, "ranks 3 of 4", 4);
  c              = def;
  c.sgd.enabled  = PETSC_FALSE;
  c.sgd.n_widths = 0;
  Ok(&c, "sgd disabled, no widths", 1);
  c                = def;
  c.convex.enabled = PETSC_FALSE;
  Ok(&c, "sgd only", 1);
  c             = def;
  c.data.source = CVX_DATA_CSV;
  strcpy(c.data.path, "train.csv");
  c.data.n_train = 0;
  Ok(&c, "csv with path, n_train 0 = all", 1);
  c                     = def;
  c.arrangements.method = CVX_ARR_FILE;
  strcpy(c.arrangements.file, "p.bin");
  Ok(&c, "file method with file", 1);
  c                 = def;
  c.data.classes[0] = 9;
  c.data.classes[1] = 0;
  Ok(&c, "classes [9, 0]", 1);
  strcpy(c.run.name, "a.b-c_d");
  Ok(&c, "dotted run name", 1);

  /* A bad world size is a usage error, not an input error. */
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  CHECK(CvxConfigValidate(&def, 0) == PETSC_ERR_ARG_OUTOFRANGE, "world size 0 accepted");
  PetscPopErrorHandler();

  PetscFinalize();
  return failures ? 1 : 0;
}
