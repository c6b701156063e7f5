/* Every shipped configuration (the .yaml files of the folder argv[1]) parses and
 * validates, so a renamed or removed key cannot silently break them. */
#include "check.h"

#include <dirent.h>

int main(int argc, char **argv)
{
  DIR           *d;
  struct dirent *e;
  int            n = 0;

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (CvxErrorHandlerPush()) return 1;
  if (argc < 2) {
    fprintf(stderr, "usage: %s CONFIG_FOLDER\n", argv[0]);
    return 1;
  }
  d = opendir(argv[1]);
  CHECK(d, "cannot open %s", argv[1]);
  while (d && (e = readdir(d))) {
    size_t l = strlen(e->d_name);
    char   path[4096];
    if (l < 6 || strcmp(e->d_name + l - 5, ".yaml")) continue;
    snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
    FILE *f = fopen(path, "rb");
    CHECK(f, "cannot open %s", path);
    if (!f) continue;
    char  *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
      if (len == cap) text = realloc(text, cap = cap ? 2 * cap : 65536);
      got = fread(text + len, 1, cap - len, f);
      len += got;
    } while (got);
    fclose(f);
    CvxConfig c;
    CvxConfigSetDefaults(&c);
    /* Folders named in the file may not exist here: only the config is checked. */
    PetscErrorCode code = CvxConfigParseString(text, len, path, &c);
    CHECK(code == 0, "%s does not parse: %s", path, CvxErrorLastMessage());
    if (!code) {
      code = CvxConfigValidate(&c, 64);
      CHECK(code == 0, "%s does not validate: %s", path, CvxErrorLastMessage());
    }
    free(text);
    n++;
  }
  if (d) closedir(d);
  CHECK(n >= 2, "only %d configs found in %s", n, argv[1]);
  PetscFinalize();
  return failures ? 1 : 0;
}
