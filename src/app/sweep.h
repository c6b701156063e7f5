/* Sweeps: one YAML file (jobs/NAME.yaml) describing many runs ("tasks") of the
 * same base config, for SLURM job arrays and parameter studies.
 *
 *   base: ../config/default.yaml   # config file, relative to the sweep file
 *   name: q7-widths                # results: <output.dir>/<name>/task-<K>/
 *   axes:                          # cartesian product, first axis slowest
 *     sgd.widths: [[5], [15]]
 *     run.seed: [1, 2, 3]
 *   tasks:                         # or an explicit list (not with axes)
 *     - {model.beta: 1.0e-4}
 *   set:                           # overrides applied to every task
 *     sgd.trials: 3
 *   task_name: "w{sgd.widths}-s{run.seed}"  # optional folder name pattern
 *
 * Task K's config is resolved as: defaults, the base file, `set`, the task's
 * axis values (or its `tasks` entry), the command line's --set overrides,
 * then run.name = the task's name ("task-<K>", zero-padded to the number of
 * digits of the task count, unless task_name says otherwise) and output.dir =
 * <output.dir as resolved>/<name>. Values are YAML, re-serialized from the
 * sweep file (flow style for lists) and applied with CvxConfigApplyOverride.
 *
 * Every error in the sweep file is an input error naming file:line:column
 * and the key. The format is documented in jobs/README.md.
 */
#ifndef CVXNN_APP_SWEEP_H
#define CVXNN_APP_SWEEP_H

#include "config/config.h"

#include <petscsys.h>
#include <stdio.h>

/* Largest number of tasks of one sweep. */
#define CVX_SWEEP_MAX_TASKS 10000000

typedef struct _n_CvxSweep CvxSweep;

/* Reads and checks the sweep file at path: rank 0 reads it (and its base
 * config file) and broadcasts the bytes, every rank parses them. Raises an
 * input error naming file:line:column and the key for a malformed file, an
 * unknown top-level key, an override naming an unknown config key or a value
 * the key does not accept, an empty axis, an empty task list, both axes and
 * tasks, or a task_name pattern giving two tasks the same folder. Collective
 * on comm. Output: *sweep, destroyed with CvxSweepDestroy(). */
PetscErrorCode CvxSweepLoad(MPI_Comm comm, const char *path, CvxSweep **sweep);

/* Frees the sweep and sets *sweep to NULL (a NULL *sweep is fine). Not
 * collective. */
PetscErrorCode CvxSweepDestroy(CvxSweep **sweep);

/* Number of tasks of the sweep (>= 1). Not collective. */
PetscErrorCode CvxSweepTaskCount(const CvxSweep *sweep, PetscInt64 *count);

/* The sweep's name (the results subfolder) and the path it was read from.
 * The strings belong to the sweep. Not collective. */
PetscErrorCode CvxSweepGetName(const CvxSweep *sweep, const char **name, const char **path);

/* Checks that 0 <= k < count; otherwise raises an input error naming k and
 * the count. Not collective. */
PetscErrorCode CvxSweepCheckTask(const CvxSweep *sweep, PetscInt64 k);

/* Task k's overrides "section.key=value", in the order they are applied: the
 * sweep's `set`, then the axis values (first axis first) or the task's
 * entry. On return *sets points to *n strings owned by the sweep, valid until
 * the next call on the same sweep. k out of range is an input error. Not
 * collective. */
PetscErrorCode CvxSweepTaskOverrides(CvxSweep *sweep, PetscInt64 k, PetscInt *n, const char *const **sets);

/* Task k's folder name (run.name of its config) into name (len bytes; use
 * CVX_NAME_MAX). k out of range is an input error. Not collective. */
PetscErrorCode CvxSweepTaskName(const CvxSweep *sweep, PetscInt64 k, char *name, size_t len);

/* Builds task k's config (see the resolution order above), with n_extra
 * command-line overrides extra_sets[] applied after the task's own. The
 * result is not validated: call CvxConfigValidate() for the rank count. k out
 * of range is an input error. Not collective. Output: cfg. */
PetscErrorCode CvxSweepTaskConfig(CvxSweep *sweep, PetscInt64 k, int n_extra, const char *const extra_sets[],
                                  CvxConfig *cfg);

/* Prints one line per task for --list: "K NAME override override ...", each
 * override single-quoted when it holds characters the shell would split or
 * expand. Not collective (call on one rank). */
PetscErrorCode CvxSweepPrintTasks(CvxSweep *sweep, FILE *f);

#endif
