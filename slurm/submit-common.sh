# Shared by submit-sweep.sh and scaling.sh (sourced, not run; bash).
# Sets: here (this folder), die (error message naming the calling script,
# exit 2), and CVXNN_DIST as an absolute path, since the jobs may start in
# another folder (default: build/cvxnn-dist of this checkout; a bare name
# is looked up on PATH).

die() {
  echo "$(basename "$0" .sh): error: $*" >&2
  exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CVXNN_DIST=${CVXNN_DIST:-$(dirname "$here")/build/cvxnn-dist}
case $CVXNN_DIST in
  /*) ;;
  */*) CVXNN_DIST=$(cd "$(dirname "$CVXNN_DIST")" 2>/dev/null && pwd)/$(basename "$CVXNN_DIST") ;;
  *) CVXNN_DIST=$(command -v "$CVXNN_DIST" || echo "$CVXNN_DIST") ;;
esac
