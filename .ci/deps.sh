#!/bin/sh
# Installs everything cvxnn-dist needs to build, test and plot on Debian 12.
# Needs root (or sudo) when something is missing; does nothing otherwise.
set -eu

PACKAGES="build-essential pkg-config meson ninja-build
  libopenmpi-dev openmpi-bin libscalapack-openmpi-dev petsc-dev
  libyaml-dev libopenblas-dev zlib1g-dev
  python3 python3-numpy python3-matplotlib python3-yaml python3-cvxopt
  dataset-fashion-mnist slurm-wlm munge"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  echo "installing:$missing"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
fi
