#include "core/stop.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t stop_signal = 0;

static const int stop_signals[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2};

static void StopHandler(int sig)
{
  if (!stop_signal) stop_signal = sig;
  else if (sig == SIGINT) {
    /* a second Ctrl-C: the default action, now */
    signal(sig, SIG_DFL);
    raise(sig);
  }
  /* other repeats are ignored: at a time limit SLURM signals every process
   * of the job and mpirun forwards its own signal too, so one stop request
   * often arrives twice */
}

int CvxStopInstall(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = StopHandler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
    if (sigaction(stop_signals[i], &sa, NULL) != 0) return -1;
  return 0;
}

int CvxStopRequested(void)
{
  return (int)stop_signal;
}

void CvxStopClear(void)
{
  stop_signal = 0;
}

const char *CvxStopSignalName(int sig)
{
  static char buf[32];

  switch (sig) {
  case SIGTERM: return "SIGTERM";
  case SIGINT: return "SIGINT";
  case SIGUSR1: return "SIGUSR1";
  case SIGUSR2: return "SIGUSR2";
  default: snprintf(buf, sizeof(buf), "signal %d", sig); return buf;
  }
}
