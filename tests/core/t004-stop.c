/* Stop requests by signal (core/stop.h): the first of SIGTERM, SIGINT,
 * SIGUSR1 and SIGUSR2 is recorded and the process goes on; later ones are
 * ignored, except a second SIGINT, which ends the process by SIGINT (checked
 * in a child). Prints only on failure. */
#include "core/stop.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../common/check.h"

int main(void)
{
  CHECK(CvxStopInstall() == 0, "CvxStopInstall failed");
  CHECK(CvxStopRequested() == 0, "a stop requested before any signal: %d", CvxStopRequested());

  const int sigs[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2};
  for (int i = 0; i < 4; i++) {
    CvxStopClear();
    raise(sigs[i]);
    CHECK(CvxStopRequested() == sigs[i], "after %s: request %d", CvxStopSignalName(sigs[i]), CvxStopRequested());
    /* a repeat of another kind is ignored and changes nothing */
    int other = sigs[i] == SIGTERM ? SIGUSR1 : SIGTERM;
    raise(other);
    CHECK(CvxStopRequested() == sigs[i], "after %s then %s: request %d", CvxStopSignalName(sigs[i]),
          CvxStopSignalName(other), CvxStopRequested());
  }
  CHECK(!strcmp(CvxStopSignalName(SIGTERM), "SIGTERM") && !strcmp(CvxStopSignalName(SIGUSR1), "SIGUSR1"),
        "signal names");
  char other_name[32];
  snprintf(other_name, sizeof(other_name), "signal %d", SIGHUP);
  CHECK(!strcmp(CvxStopSignalName(SIGHUP), other_name), "name of another signal: %s", CvxStopSignalName(SIGHUP));

  /* a second SIGINT ends the process at once */
  CvxStopClear();
  fflush(stderr);
  pid_t child = fork();
  if (child == 0) {
    raise(SIGINT);
    raise(SIGINT);
    _exit(CvxStopRequested() == SIGINT ? 10 : 11); /* reached only if the second SIGINT was ignored */
  }
  int status = 0;
  CHECK(child > 0 && waitpid(child, &status, 0) == child, "fork or waitpid failed");
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT, "after two SIGINTs the child %s %d",
        WIFSIGNALED(status) ? "died by signal" : "exited with",
        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  /* a second SIGTERM does not */
  child = fork();
  if (child == 0) {
    CvxStopClear();
    raise(SIGTERM);
    raise(SIGTERM);
    _exit(CvxStopRequested() == SIGTERM ? 10 : 11);
  }
  CHECK(child > 0 && waitpid(child, &status, 0) == child, "fork or waitpid failed");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10, "after two SIGTERMs the child %s %d",
        WIFSIGNALED(status) ? "died by signal" : "exited with",
        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  return failures ? 1 : 0;
}
