# Sourced by run.sbatch and array.sbatch: runs the launcher command line
# given (mpirun or srun and the program) and passes stop requests on to it.
#
# sbatch --signal=B:USR1@300 sends SIGUSR1 to this batch shell 300 s before
# the time limit, and at the limit SLURM sends SIGTERM. Either one reaching
# the shell goes to the launcher as SIGUSR1, which mpirun and srun forward
# to every rank: cvxnn-dist then stops at its solvers' next check and
# writes its results (see the README, "Stopping a run early"). The
# function returns the launcher's exit status (3 for a run stopped early).
cvxnn_launch() {
  "$@" &
  local pid=$!
  trap 'echo "$(date -u +%H:%M:%S) stop requested: SIGUSR1 to the ranks" >&2
        kill -USR1 "$pid" 2>/dev/null || true' USR1 USR2 TERM
  # a trapped signal ends wait early: wait again until the launcher exits
  while kill -0 "$pid" 2>/dev/null; do wait "$pid" || true; done
  trap - USR1 USR2 TERM
  wait "$pid"
}
