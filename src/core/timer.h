/* Wall-clock time for progress lines and stage timings. */
#ifndef CVXNN_CORE_TIMER_H
#define CVXNN_CORE_TIMER_H

/* Seconds since an arbitrary fixed point (monotonic clock). */
double CvxWallTime(void);

#endif
