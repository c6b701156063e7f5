/* The failure counter and CHECK macro every C test uses: a failed check
 * prints its file, line and message and the test goes on; main returns
 * non-zero when any check failed. Tests print nothing else when they pass. */
#ifndef CVXNN_TESTS_COMMON_CHECK_H
#define CVXNN_TESTS_COMMON_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                                                               \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                                             \
      fprintf(stderr, __VA_ARGS__);                                                                                    \
      fputc('\n', stderr);                                                                                             \
      failures++;                                                                                                      \
    }                                                                                                                  \
  } while (0)

#endif
