#!/bin/sh
# Runs one test command with a temporary directory of its own.
#
# Open MPI keeps its session directories under one per-user directory in
# $TMPDIR (ompi.<host>.<uid>) and removes that directory when the last job
# using it ends. Two jobs that start and end at the same moment can race:
# one removes the directory just as the other creates its pid.* entry in
# it, and MPI_Init then fails with "A call to mkdir was unable to create the
# desired directory". meson runs tests in parallel, and many of them start
# an MPI job (under mpiexec or as a singleton), so each test gets its own
# directory here.
set -u
base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/cvxnn-test.XXXXXX") || {
  echo "private-tmp.sh: cannot create a temporary directory under $base" >&2
  exit 1
}
trap 'rm -rf "$dir"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
TMPDIR=$dir
OMPI_MCA_orte_tmpdir_base=$dir
export TMPDIR OMPI_MCA_orte_tmpdir_base
"$@"
