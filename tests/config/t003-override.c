/* Overrides "section.key=value" for every key type: the value is YAML, later
 * overrides win, and overrides apply on top of a parsed file. */
#include "check.h"

int main(int argc, char **argv)
{
  CvxConfig def, c;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  CvxConfigSetDefaults(&def);

#define OV(s) CHECK(CvxConfigApplyOverride(&c, s) == 0, "override '%s' rejected: %s", s, CvxErrorLastMessage())
  c = def;
  OV("data.n_train=123"); /* int */
  OV("run.seed=-0");      /* int64 */
  OV("arrangements.samples=12345678901");
  OV("sgd.lr=2.5e-2");     /* double */
  OV("sgd.shuffle=false"); /* bool */
  OV("output.overwrite=yes");
  OV("run.name=my run"); /* string, plain with a space */
  OV("data.path=\"/tmp/x y.csv\"");
  OV("data.source=idx");     /* enum */
  OV("data.classes=[4, 9]"); /* pair */
  OV("sgd.widths=[5, 15]");  /* list */
  CHECK(c.data.n_train == 123, "int override");
  CHECK(c.run.seed == 0 && c.arrangements.samples == 12345678901LL, "int64 overrides");
  CHECK(c.sgd.lr == 2.5e-2, "double override");
  CHECK(c.sgd.shuffle == PETSC_FALSE && c.output.overwrite == PETSC_TRUE, "bool overrides");
  CHECK(!strcmp(c.run.name, "my run") && !strcmp(c.data.path, "/tmp/x y.csv"), "string overrides '%s' '%s'", c.run.name,
        c.data.path);
  CHECK(c.data.source == CVX_DATA_IDX, "enum override");
  CHECK(c.data.classes[0] == 4 && c.data.classes[1] == 9, "pair override");
  CHECK(c.sgd.n_widths == 2 && c.sgd.widths[0] == 5 && c.sgd.widths[1] == 15, "list override");

  /* Other list forms: one value, block list, empty. */
  OV("sgd.widths=7");
  CHECK(c.sgd.n_widths == 1 && c.sgd.widths[0] == 7 && c.sgd.widths[1] == 0, "scalar list override");
  OV("sgd.widths=\n- 3\n- 4\n- 5");
  CHECK(c.sgd.n_widths == 3 && c.sgd.widths[2] == 5, "block list override");
  OV("sgd.widths=[]");
  CHECK(c.sgd.n_widths == 0, "empty list override");
  OV("data.test_path=");
  CHECK(c.data.test_path[0] == '\0', "empty string override");
  OV("data.test_path=a=b"); /* only the first '=' separates */
  CHECK(!strcmp(c.data.test_path, "a=b"), "value with '=': '%s'", c.data.test_path);
  OV("  sgd.epochs  = 77 # comment");
  CHECK(c.sgd.epochs == 77, "spaces and a comment");

  /* Later overrides win. */
  OV("sgd.lr=0.1");
  OV("sgd.lr=0.2");
  OV("sgd.optimizer=sgd");
  OV("sgd.optimizer=momentum");
  CHECK(c.sgd.lr == 0.2 && c.sgd.optimizer == CVX_OPT_MOMENTUM, "later override wins");

  /* Overrides after a file, through CvxConfigLoad on this rank. */
  {
    char        path[] = "/tmp/cvxnn-t003-XXXXXX";
    int         fd     = mkstemp(path);
    const char *text   = "sgd:\n  lr: 0.3\n  widths: [1, 2]\n  trials: 2\nrun:\n  name: fromfile\n";
    CHECK(fd >= 0, "mkstemp");
    if (fd >= 0) {
      CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
      close(fd);
      const char *ovs[] = {"sgd.lr=0.05", "sgd.widths=[10, 20, 30]", "sgd.lr=0.07"};
      CHECK(CvxConfigLoad(PETSC_COMM_SELF, path, 3, ovs, &c) == 0, "load: %s", CvxErrorLastMessage());
      CHECK(c.sgd.lr == 0.07, "override after file: lr %g", c.sgd.lr);
      CHECK(c.sgd.n_widths == 3 && c.sgd.widths[2] == 30, "list override after file");
      CHECK(c.sgd.trials == 2 && !strcmp(c.run.name, "fromfile"), "file values kept");
      CHECK(c.sgd.epochs == def.sgd.epochs, "defaults under the file");
      /* The validation runs after the overrides: an override can make a bad file good and vice versa. */
      const char *bad[] = {"sgd.widths=[]"};
      const char *s[]   = {"sgd.widths is empty but sgd.enabled is true", NULL};
      CheckError("validation after overrides", CvxConfigLoad(PETSC_COMM_SELF, path, 1, bad, &c), CVX_ERR_INPUT, s);
      const char *fix[] = {"sgd.widths=[]", "sgd.enabled=false"};
      CHECK(CvxConfigLoad(PETSC_COMM_SELF, path, 2, fix, &c) == 0 && !c.sgd.enabled, "override fixes: %s",
            CvxErrorLastMessage());
      const char *s2[]  = {"--set sgd.lr=x: expected a number", NULL};
      const char *ov2[] = {"sgd.lr=x"};
      CheckError("bad override in load", CvxConfigLoad(PETSC_COMM_SELF, path, 1, ov2, &c), CVX_ERR_INPUT, s2);
      unlink(path);
    }
  }

  PetscFinalize();
  return failures ? 1 : 0;
}
