#!/bin/bash
# A single-node SLURM on this machine, for development and tests.
#
#   slurm/local-cluster.sh start     # munged, slurmctld, slurmd on localhost
#   export SLURM_CONF=/tmp/cvxnn-slurm-$USER/etc/slurm.conf
#   sbatch ... / squeue / sinfo
#   slurm/local-cluster.sh status
#   slurm/local-cluster.sh stop      # cancels its jobs, stops its daemons
#
# Everything (config, spool, state, logs, the munge key and socket) lives
# under $CVXNN_SLURM_DIR (default /tmp/cvxnn-slurm-$USER); nothing in /etc,
# /var or systemd is touched, and `stop` ends only the daemons whose process
# ids this script recorded. Ports: $CVXNN_SLURM_PORT (slurmctld, default
# 16817) and the next one (slurmd). Running as root is fine (SlurmUser=root
# then); as another user, jobs run as that user.
set -euo pipefail

user=$(id -un)
dir=${CVXNN_SLURM_DIR:-/tmp/cvxnn-slurm-$user}
port=${CVXNN_SLURM_PORT:-16817}
conf=$dir/etc/slurm.conf
socket=$dir/munge/munge.socket.2
# Seconds to wait for the daemons to come up or go down.
timeout=${CVXNN_SLURM_TIMEOUT:-60}

die() { echo "local-cluster: error: $*" >&2; exit 1; }

# The pid recorded in file $1 when that process is alive and runs program $2.
live_pid() {
  local f=$1 prog=$2 pid
  [ -r "$f" ] || return 1
  pid=$(tr -dc '0-9' < "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$prog" ] || return 1
  echo "$pid"
}

daemon_pid() {
  case $1 in
    munged)    live_pid "$dir/munge/munged.pid" munged ;;
    slurmctld) live_pid "$dir/run/slurmctld.pid" slurmctld ;;
    slurmd)    live_pid "$dir/run/slurmd.pid" slurmd ;;
  esac
}

# Sends TERM to the recorded daemon, waits, then KILL if it is still there.
stop_daemon() {
  local name=$1 pid i
  pid=$(daemon_pid "$name") || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 10 * timeout; i++)); do
    kill -0 "$pid" 2>/dev/null || { echo "stopped $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  echo "local-cluster: $name (pid $pid) ignored TERM; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

usage_hint() {
  cat <<EOT
SLURM is running on localhost (state in $dir). Use it with:

  export SLURM_CONF=$conf
  sinfo; sbatch --ntasks=2 slurm/run.sbatch config/default.yaml; squeue

Stop it with: ${0} stop
EOT
}

write_config() {
  local node slurm_user
  # CPUs, sockets, cores, threads and memory as slurmd sees them.
  node=$(slurmd -C 2>/dev/null | head -n 1) || die "'slurmd -C' failed"
  case $node in NodeName=*) ;; *) die "unexpected output of 'slurmd -C': $node" ;; esac
  node=$(echo "$node" | sed -e 's/^NodeName=[^ ]*/NodeName=localhost/' -e 's/ UpTime=.*//')
  slurm_user=$user
  cat > "$conf" <<EOT
# Written by slurm/local-cluster.sh: a one-node cluster on localhost.
ClusterName=cvxnn-local
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$slurm_user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
ReturnToService=2
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmdTimeout=60
$node State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOT
}

start() {
  local i state
  command -v munged >/dev/null || die "munged not found (Debian: apt-get install munge)"
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null || die "slurmctld/slurmd not found (Debian: apt-get install slurm-wlm)"
  if daemon_pid slurmctld >/dev/null && daemon_pid slurmd >/dev/null && daemon_pid munged >/dev/null; then
    echo "already running"
    usage_hint
    return 0
  fi
  # Leftovers of an earlier, partly stopped cluster.
  stop_all quiet
  mkdir -p "$dir"/{etc,munge,run,log,spool,state}
  rm -rf "${dir:?}/state" "${dir:?}/spool"
  mkdir -p "$dir/state" "$dir/spool"
  chmod 755 "$dir" "$dir/munge"

  # munge: a fresh key, private socket, pid, log and seed files.
  if [ ! -s "$dir/munge/munge.key" ]; then
    (umask 077 && dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none)
  fi
  chmod 600 "$dir/munge/munge.key"
  munged --force --socket="$socket" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
    || die "munged did not start; see $dir/munge/munged.log"
  for ((i = 0; i < 10 * timeout; i++)); do
    munge -n -S "$socket" 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -n -S "$socket" 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1 || die "munge does not answer on $socket; see $dir/munge/munged.log"

  write_config
  export SLURM_CONF=$conf
  slurmctld -c -f "$conf" || die "slurmctld did not start; see $dir/log/slurmctld.log"
  slurmd -c -N localhost -f "$conf" || die "slurmd did not start; see $dir/log/slurmd.log"
  for ((i = 0; i < 10 * timeout; i++)); do
    state=$(sinfo -h -N -n localhost -o %t 2>/dev/null || true)
    case $state in idle | mix | alloc) break ;; esac
    sleep 0.1
  done
  case $state in
    idle | mix | alloc) ;;
    *) die "the node did not become ready (state '${state:-none}'); see $dir/log/slurmctld.log and $dir/log/slurmd.log" ;;
  esac
  echo "export SLURM_CONF=$conf" > "$dir/env"
  usage_hint
}

# Cancels the jobs of this cluster, then stops its daemons (slurmd first).
stop_all() {
  local i
  if daemon_pid slurmctld >/dev/null; then
    export SLURM_CONF=$conf
    scancel --quiet --full --user="$user" 2>/dev/null || true
    for ((i = 0; i < 10 * timeout; i++)); do
      [ -z "$(squeue -h -t running,completing -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
  [ "${1:-}" = quiet ] || echo "stopped (state, logs and config kept in $dir)"
}

status() {
  local ok=0 name pid
  for name in munged slurmctld slurmd; do
    if pid=$(daemon_pid "$name"); then
      echo "$name: running (pid $pid)"
    else
      echo "$name: not running"
      ok=1
    fi
  done
  if [ $ok = 0 ]; then
    export SLURM_CONF=$conf
    echo "SLURM_CONF=$conf"
    sinfo || ok=1
    squeue || ok=1
  fi
  return $ok
}

case ${1:-} in
  start) start ;;
  stop) stop_all ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status   (state in \$CVXNN_SLURM_DIR, default /tmp/cvxnn-slurm-\$USER)" >&2; exit 2 ;;
esac
