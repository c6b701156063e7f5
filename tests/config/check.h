/* Small helpers shared by the config tests: failures are counted and
 * printed; a test passes when none was recorded. */
#ifndef CVXNN_TESTS_CONFIG_CHECK_H
#define CVXNN_TESTS_CONFIG_CHECK_H

#include "config/config.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include "../common/check.h"

/* Checks that code is want and that the last error message contains every
 * string of the NULL-terminated list. */
static inline void CheckError(const char *what, PetscErrorCode code, PetscErrorCode want, const char *const *subs)
{
  const char *msg = CvxErrorLastMessage();
  if (code != want) {
    fprintf(stderr, "FAIL [%s]: error code %d, want %d (message: %s)\n", what, (int)code, (int)want, msg);
    failures++;
    return;
  }
  for (int i = 0; subs && subs[i]; i++) {
    if (!strstr(msg, subs[i])) {
      fprintf(stderr, "FAIL [%s]: message lacks \"%s\":\n  %s\n", what, subs[i], msg);
      failures++;
    }
  }
}

/* The config written as YAML into a malloc'ed string (caller frees). */
static inline char *ConfigText(const CvxConfig *cfg, int indent)
{
  char  *buf = NULL;
  size_t len = 0;
  FILE  *f   = open_memstream(&buf, &len);
  if (!f) return NULL;
  if (CvxConfigWrite(cfg, f, indent)) {
    fclose(f);
    free(buf);
    return NULL;
  }
  fclose(f);
  return buf;
}

#endif
