/* CvxConfigWrite output parses back to the identical config (byte for byte),
 * at any indentation, for hard strings and doubles; CvxConfigPrintKeys lists
 * every written key once with its type and default. */
#include "check.h"

#include <float.h>

static void RoundTrip(const CvxConfig *a, const char *what)
{
  for (int indent = 0; indent <= 4; indent += 4) {
    CvxConfig b;
    char     *text = ConfigText(a, indent);
    CHECK(text, "[%s] write failed", what);
    if (!text) return;
    CvxConfigSetDefaults(&b);
    PetscErrorCode code = CvxConfigParseString(text, strlen(text), "written.yaml", &b);
    CHECK(code == 0, "[%s] written text does not parse: %s\n%s", what, CvxErrorLastMessage(), text);
    CHECK(!memcmp(a, &b, sizeof(b)), "[%s] round trip (indent %d) differs:\n%s", what, indent, text);
    char *again = ConfigText(&b, indent);
    CHECK(again && !strcmp(text, again), "[%s] second write differs", what);
    free(again);
    free(text);
  }
}

int main(int argc, char **argv)
{
  CvxConfig def, c;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  CvxConfigSetDefaults(&def);
  RoundTrip(&def, "defaults");

  /* Hard strings: quotes, backslashes, control characters, YAML syntax, UTF-8, words YAML reads as other types. */
  static const char *const names[] = {"a \"quoted\" name",
                                      "back\\slash",
                                      "new\nline\ttab\rcr\x01\x1f\x7f",
                                      "key: value # not a comment",
                                      "- [x, {y}] & *z !t | > % @ `",
                                      " leading and trailing ",
                                      "null",
                                      "true",
                                      "123",
                                      "1e5",
                                      "~",
                                      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                      "'single'",
                                      "---",
                                      "...",
                                      "nel\xc2\x85 ls\xe2\x80\xa8 ps\xe2\x80\xa9 bom\xef\xbb\xbf nbsp\xc2\xa0"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    c = def;
    memset(c.data.path, 0, sizeof(c.data.path));
    strcpy(c.data.path, names[i]);
    memset(c.run.name, 0, sizeof(c.run.name));
    strcpy(c.run.name, names[i]);
    RoundTrip(&c, names[i]);
  }
  /* A string that fills its buffer and escapes to four times its length. */
  c = def;
  memset(c.data.test_path, '\x01', sizeof(c.data.test_path) - 1);
  RoundTrip(&c, "full buffer of control bytes");

  /* Doubles that need all 17 digits, tiny, huge, subnormal. */
  static const double vals[] = {
      0.1,  1.0 / 3.0, 1.0000000000000002, 2.0 / 3.0 * 1e-300, 4.9406564584124654e-324, DBL_MAX, 123456789.123456789,
      1e22, 1e-7,      0.30000000000000004};
  for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
    c            = def;
    c.data.noise = vals[i];
    c.sgd.lr     = vals[i];
    c.convex.rho = vals[i];
    char what[64];
    snprintf(what, sizeof(what), "double %.17g", vals[i]);
    RoundTrip(&c, what);
  }

  /* Every other kind at a non-default value, with lists at both ends of their size. */
  c                      = def;
  c.run.seed             = INT64_MAX;
  c.data.label_column    = -1;
  c.data.n_test          = 2147483647;
  c.data.source          = CVX_DATA_IDX;
  c.data.classes[0]      = 9;
  c.data.classes[1]      = 2;
  c.arrangements.method  = CVX_ARR_SAMPLE;
  c.arrangements.samples = 1LL << 40;
  c.convex.linear_solver = CVX_LINSOLVE_CG;
  c.sgd.shuffle          = PETSC_FALSE;
  c.sgd.n_widths         = CVX_MAX_WIDTHS;
  for (int i = 0; i < CVX_MAX_WIDTHS; i++)
    c.sgd.widths[i] = 1000 * i + 1;
  c.logging.level = CVX_LOG_QUIET;
  RoundTrip(&c, "full list");
  c.sgd.n_widths = 0;
  memset(c.sgd.widths, 0, sizeof(c.sgd.widths));
  RoundTrip(&c, "empty list");

  /* Written doubles read as floats in any YAML reader: a '.' before an exponent. */
  {
    char *t = ConfigText(&def, 0);
    CHECK(t && strstr(t, "  beta: 0.0001\n") && strstr(t, "  tol: 1.0e-06\n") && strstr(t, "  rho: 0.0\n") &&
              strstr(t, "  progress_interval: 2.0\n") && strstr(t, "  name: \"run\"\n") &&
              strstr(t, "  widths: [5]\n") && strstr(t, "  classes: [0, 1]\n") && strstr(t, "  source: synthetic\n") &&
              strstr(t, "  header: false\n"),
          "written defaults look wrong:\n%s", t ? t : "(null)");
    /* Section lines at the indentation, keys two deeper. */
    char *t4 = ConfigText(&def, 4);
    CHECK(t4 && !strncmp(t4, "    run:\n      name: \"run\"\n", 27), "indentation:\n%s", t4 ? t4 : "(null)");
    free(t4);

    /* --keys: one line per written key, in the same order, with type and default. */
    char  *keys = NULL;
    size_t len  = 0;
    FILE  *f    = open_memstream(&keys, &len);
    CHECK(CvxConfigPrintKeys(f) == 0, "CvxConfigPrintKeys failed");
    fclose(f);
    CHECK(strstr(keys, "\nsgd.optimizer ") && strstr(keys, "sgd|momentum|adam|lmvm"),
          "enum choices missing from --keys");
    CHECK(strstr(keys, "\nsgd.widths ") && strstr(keys, "int-list"), "type names missing from --keys");
    int   nkeys = 0, nlines = 0;
    char  section[64] = "";
    char *save = NULL, *copy = strdup(t ? t : "");
    char *kline = keys;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      if (line[0] != ' ') {
        snprintf(section, sizeof(section), "%.*s", (int)(strlen(line) - 1), line);
        continue;
      }
      char key[64], want[160];
      sscanf(line + 2, "%63[^:]", key);
      const char *value = strchr(line, ':') + 2;
      nkeys++;
      snprintf(want, sizeof(want), "%s.%s ", section, key);
      CHECK(kline && !strncmp(kline, want, strlen(want)), "--keys line %d is not '%s': %.60s", nkeys, want,
            kline ? kline : "");
      char *eol = kline ? strchr(kline, '\n') : NULL;
      if (kline && eol) {
        *eol = '\0';
        CHECK(strstr(kline, value), "--keys line for %s lacks its default %s: %s", want, value, kline);
        kline = eol + 1;
        nlines++;
      }
    }
    CHECK(kline && *kline == '\0', "--keys has extra lines: %s", kline ? kline : "");
    CHECK(nkeys == nlines && nkeys >= 60, "%d keys written, %d listed", nkeys, nlines);
    free(copy);
    free(keys);
    free(t);
  }

  PetscFinalize();
  return failures ? 1 : 0;
}
