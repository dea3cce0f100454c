#!/usr/bin/env bash
# slurm-dev-cluster.sh — a REAL one-node SLURM 22.05 cluster (Debian 12 packages) on this
# machine, for molq's integration tests and for local development.
#
# Runs as root, without systemd: munged, a private MariaDB, slurmdbd, slurmctld and slurmd
# are started directly in the background. Everything the cluster writes (config, state,
# spool, pid files, logs, database) lives under ONE runtime directory:
#   ${MOLQ_SLURM_DIR:-/tmp/molq-slurm}
# /etc/slurm/slurm.conf is made a symlink to $MOLQ_SLURM_DIR/etc/slurm.conf, so plain
# sbatch/squeue/sacct/scancel work from any process without environment variables.
# Ports used (loopback only): 6817 slurmctld, 6818 slurmd, 6819 slurmdbd, 3306 MariaDB.
#
# Usage:
#   slurm-dev-cluster.sh start [--no-accounting]
#       Installs the packages if missing, writes a fresh configuration, starts the daemons
#       and waits until a probe job has actually run (~6 s; ~3.5 s without accounting;
#       most of it is slurmctld's first scheduling pass, ~3.5 s after it starts).
#       Every start from a stopped cluster begins with empty state (job ids restart at 1).
#       Already running and healthy in the same mode: says so, exits 0.
#       --no-accounting: no MariaDB/slurmdbd (AccountingStorageType=accounting_storage/none);
#       then `sacct` fails with "Slurm accounting storage is disabled", like on some sites.
#       To switch modes: stop, then start again.
#   slurm-dev-cluster.sh stop          cancel all jobs, then stop only what this script
#                                      started (pid files + process names); exit 0 if
#                                      nothing runs
#   slurm-dev-cluster.sh status        exit 0 if up, 3 if down
#   slurm-dev-cluster.sh env           print `export` lines (eval "$(... env)")
#   slurm-dev-cluster.sh reconfigure   rewrite slurm.conf as `start` would (same accounting
#                                      mode) and apply it with `scontrol reconfigure`:
#                                      nothing is stopped, running jobs keep running; new
#                                      job steps use the new settings (memory enforcement,
#                                      SelectTypeParameters, waits for a stop and a start)
#   slurm-dev-cluster.sh stop-ctld
#   slurm-dev-cluster.sh start-ctld
#       Fault tests: stop (SIGTERM: state is saved, like `scontrol shutdown slurmctld`)
#       or restart ONLY slurmctld.
#       Jobs keep running under slurmd while the controller is away; squeue, sbatch and
#       scancel fail meanwhile ("Unable to contact slurm controller (connect failure)",
#       rc 1); sacct still answers from slurmdbd when accounting is on. start-ctld
#       recovers the saved state and waits until the controller answers and the node
#       responds. A job that ended during the outage stays RUNNING until its slurmstepd
#       retries the completion message (every ~15 s), then gets its real final state.
#       Example for a test:
#         scripts/slurm-dev-cluster.sh stop-ctld
#         ... assert that molq reports the outage and retries ...
#         scripts/slurm-dev-cluster.sh start-ctld
#
# Configuration: one node named `hostname -s` at 127.0.0.1
# advertising 16 CPUs (config_overrides) so many jobs run at once, partitions `debug`
# (default) and `long`, no cgroups, no GRES, MinJobAge=10, KillWait=5,
# EnforcePartLimits=ALL, ClusterName=molqdev. Job accounting is gathered from /proc every
# second (jobacct_gather/linux, JobAcctGatherFrequency=task=1), so sacct reports MaxRSS and
# TotalCPU. Memory is allocated (CR_Core_Memory; a job without --mem gets DefMemPerCPU=1024
# MiB per CPU, so 16 one-CPU jobs still fit) and enforced: OverMemoryKill kills a step whose
# sampled RSS passes its allocation, and the job ends OUT_OF_MEMORY. `reconfigure` applies
# the accounting settings to a running cluster; the memory ones need a fresh `start`.
set -euo pipefail

readonly PROG=slurm-dev-cluster
readonly R="${MOLQ_SLURM_DIR:-/tmp/molq-slurm}"
readonly ETC="$R/etc" RUN="$R/run" LOG="$R/log" STATE="$R/state" SPOOL="$R/spool"
readonly DB="$R/mysql" MUNGE_DIR="$R/munge"
readonly SYSTEM_CONF=/etc/slurm/slurm.conf
readonly CLUSTER=molqdev
readonly DB_USER=slurm DB_PASS=molq-dev-only DB_NAME=slurm_acct_db
readonly PACKAGES=(slurmctld slurmd slurm-client munge slurmdbd mariadb-server-core
  mariadb-client-core)
# Daemons in stop order (slurmstepd and job processes are handled by kill_jobs).
readonly DAEMONS=(slurmctld slurmd slurmdbd mariadbd munged)
export SLURM_CONF="$ETC/slurm.conf"

STARTING=0      # 1 while `start` runs: a failure then stops what was started
TEMP_POLICY=0   # 1 while we own a temporary /usr/sbin/policy-rc.d

log() { echo "$PROG: $*"; }
err() { echo "$PROG: error: $*" >&2; }

# fail MESSAGE [LOGFILE...]: report, show the logs' tails, exit 1 (the EXIT trap cleans up).
fail() {
  local msg=$1 f
  shift
  err "$msg"
  for f in "$@"; do
    [[ -s $f ]] || continue
    echo "$PROG: --- last lines of $f ---" >&2
    tail -n 25 "$f" >&2
  done
  exit 1
}

usage() {
  sed -n '/^# Usage:/,/^# Configuration/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------- processes

# proc_alive PID COMM: a live (non-zombie) process with that name.
proc_alive() {
  local pid=$1 want=$2 comm _a _b state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
  [[ $comm == "$want" ]] || return 1
  read -r _a _b state _ 2>/dev/null <"/proc/$pid/stat" || return 1
  [[ $state != Z ]]
}

pid_file() {
  case $1 in
    munged) echo "$MUNGE_DIR/munged.pid" ;;
    *) echo "$RUN/$1.pid" ;;
  esac
}

# daemon_pid NAME: the pid from NAME's pid file, if that process is alive and is NAME.
daemon_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(tr -dc 0-9 <"$f")
  proc_alive "$pid" "$1" && echo "$pid"
}

# our_pids NAME: pid-file pid plus any process named NAME holding a file under $R
# (slurmstepd, and daemons orphaned by a crashed run whose pid files were lost).
our_pids() {
  local name=$1 p pid comm
  {
    daemon_pid "$name" || true
    for p in /proc/[0-9]*; do
      pid=${p#/proc/}
      read -r comm 2>/dev/null <"$p/comm" || continue
      [[ $comm == "$name" ]] || continue
      find "$p/fd" -maxdepth 1 -lname "$R/*" -print -quit 2>/dev/null | grep -q . || continue
      proc_alive "$pid" "$name" && echo "$pid"
    done
  } | sort -un
}

# stop_daemon NAME: SIGTERM our NAME processes, wait for them to exit (SIGKILL after 20 s).
stop_daemon() {
  local name=$1 pids pid deadline=$((SECONDS + 20))
  mapfile -t pids < <(our_pids "$name")
  if ((${#pids[@]})); then
    log "stopping $name (pid ${pids[*]})"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for pid in "${pids[@]}"; do
      while proc_alive "$pid" "$name"; do
        if ((SECONDS >= deadline)); then
          log "$name (pid $pid) ignores SIGTERM; sending SIGKILL"
          kill -KILL "$pid" 2>/dev/null || true
          deadline=$((SECONDS + 5))
        fi
        sleep 0.1
      done
    done
  fi
  rm -f "$(pid_file "$name")"
}

# job_pids: processes of jobs still running on our node after slurmd/slurmctld are gone:
# every slurmstepd holding a file under $R, every batch script from our spool directory,
# and all their descendants.
job_pids() {
  local -A parent_of=() is_job=()
  local p pid ppid args changed=1 _p _c _s
  for pid in $(our_pids slurmstepd); do is_job[$pid]=1; done
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    read -r _p _c _s ppid _ 2>/dev/null <"$p/stat" || continue
    parent_of[$pid]=$ppid
    mapfile -d '' -t args 2>/dev/null <"$p/cmdline" || continue
    [[ ${args[*]:-} == *"$SPOOL/slurmd/job"* ]] && is_job[$pid]=1
  done
  while ((changed)); do
    changed=0
    for pid in "${!parent_of[@]}"; do
      [[ -z ${is_job[$pid]:-} && -n ${is_job[${parent_of[$pid]}]:-} ]] || continue
      is_job[$pid]=1
      changed=1
    done
  done
  ((${#is_job[@]} == 0)) || printf '%s\n' "${!is_job[@]}"
}

# kill_jobs: SIGKILL leftover job processes (normally scancel has ended them already).
kill_jobs() {
  local pids
  mapfile -t pids < <(job_pids)
  ((${#pids[@]})) || return 0
  log "killing leftover job processes (pid ${pids[*]})"
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# launch NAME LOGFILE CMD...: start CMD in its own session, record its pid, and wait
# until the forked child has exec'ed NAME (until then /proc/PID/comm says bash/setsid).
launch() {
  local name=$1 out=$2 pid comm deadline=$((SECONDS + 5))
  shift 2
  setsid "$@" </dev/null >>"$out" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$(pid_file "$name")"
  while read -r comm 2>/dev/null <"/proc/$pid/comm" && [[ $comm != "$name" ]]; do
    ((SECONDS < deadline)) || break
    sleep 0.01
  done
}

# wait_until SECONDS NAME CMD...: poll CMD; fail early if daemon NAME (unless -) died.
wait_until() {
  local name=$2 deadline=$((SECONDS + $1))
  shift 2
  while :; do
    if [[ $name != - ]] && ! daemon_pid "$name" >/dev/null; then
      return 1
    fi
    "$@" >/dev/null 2>&1 && return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# daemon_log NAME: NAME's log file; its captured stderr if the log is still empty.
daemon_log() {
  if [[ -s $LOG/$1.log ]]; then
    echo "$LOG/$1.log"
  else
    echo "$LOG/$1.stderr"
  fi
}

# ---------------------------------------------------------------- packages

packages_missing() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' || echo "$p"
  done
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "$@" >>"$R/apt.log" 2>&1
}

apt_lists_present() {
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

# No systemd here: keep package scripts from starting the daemons with Debian's config.
block_service_starts() {
  [[ -e /usr/sbin/policy-rc.d ]] && return 0
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  TEMP_POLICY=1
}

unblock_service_starts() {
  ((TEMP_POLICY)) || return 0
  rm -f /usr/sbin/policy-rc.d
  TEMP_POLICY=0
}

ensure_packages() {
  local missing
  mapfile -t missing < <(packages_missing)
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} (log: $R/apt.log)"
  block_service_starts
  if ! apt_lists_present || ! apt_install "${missing[@]}"; then
    log "running apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$R/apt.log" 2>&1 ||
      fail "apt-get update failed" "$R/apt.log"
    apt_install "${missing[@]}" || fail "apt-get install failed" "$R/apt.log"
  fi
  unblock_service_starts
}

# ---------------------------------------------------------------- configuration

node_name() { hostname -s; }

real_memory_mb() {
  local mem
  mem=$(slurmd -C | tr ' ' '\n' | sed -n 's/^RealMemory=//p')
  [[ $mem =~ ^[0-9]+$ ]] || fail "cannot read RealMemory from 'slurmd -C'"
  echo $((mem * 95 / 100))
}

write_slurm_conf() {
  local accounting=$1 node mem storage=accounting_storage/none
  node=$(node_name)
  mem=$(real_memory_mb)
  [[ $accounting == on ]] && storage=accounting_storage/slurmdbd
  cat >"$ETC/slurm.conf" <<EOF
# Written by scripts/slurm-dev-cluster.sh — a one-node development cluster.
ClusterName=$CLUSTER
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$SPOOL/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$ETC/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
SlurmdParameters=config_overrides
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MinJobAge=10
KillWait=5
InactiveLimit=0
EnforcePartLimits=ALL
MailProg=/bin/true
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG/jobcomp.txt
AccountingStorageType=$storage
AccountingStorageHost=127.0.0.1
AccountingStoragePort=6819
# No GresTypes / Gres: a GRES-free node.
NodeName=$node NodeAddr=127.0.0.1 CPUs=16 Boards=1 SocketsPerBoard=1 CoresPerSocket=16 ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
PartitionName=long Nodes=$node Default=NO MaxTime=INFINITE State=UP
EOF
  : >"$ETC/plugstack.conf"
}

write_slurmdbd_conf() {
  (
    umask 077
    cat >"$ETC/slurmdbd.conf" <<EOF
# Written by scripts/slurm-dev-cluster.sh
AuthType=auth/munge
DbdAddr=127.0.0.1
DbdHost=$(node_name)
DbdPort=6819
SlurmUser=root
PidFile=$RUN/slurmdbd.pid
LogFile=$LOG/slurmdbd.log
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3306
StorageUser=$DB_USER
StoragePass=$DB_PASS
StorageLoc=$DB_NAME
EOF
  )
  chmod 600 "$ETC/slurmdbd.conf"
}

write_mariadb_conf() {
  cat >"$DB/my.cnf" <<EOF
[mariadbd]
user=root
datadir=$DB/data
socket=$DB/mariadbd.sock
pid-file=$RUN/mariadbd.pid
log-error=$LOG/mariadbd.log
bind-address=127.0.0.1
port=3306
skip-name-resolve
innodb_log_file_size=64M
innodb_buffer_pool_size=1024M
innodb_lock_wait_timeout=900
innodb_flush_log_at_trx_commit=2
[client]
socket=$DB/mariadbd.sock
user=root
EOF
}

# Point /etc/slurm/slurm.conf at our config (keeping a foreign real file as a backup).
link_system_conf() {
  mkdir -p /etc/slurm
  if [[ -f $SYSTEM_CONF && ! -L $SYSTEM_CONF && ! -e $SYSTEM_CONF.molq-orig ]]; then
    log "moving existing $SYSTEM_CONF to $SYSTEM_CONF.molq-orig"
    mv "$SYSTEM_CONF" "$SYSTEM_CONF.molq-orig"
  fi
  ln -sfn "$ETC/slurm.conf" "$SYSTEM_CONF"
}

check_runtime_dir() {
  [[ $R == /* && $R != / && $R != *..* ]] ||
    { err "MOLQ_SLURM_DIR must be an absolute path other than / (got '$R')"; exit 2; }
}

# A fresh runtime tree: previous state, logs and database are discarded.
fresh_runtime_dir() {
  local accounting=$1
  rm -rf "${ETC:?}" "${RUN:?}" "${LOG:?}" "${STATE:?}" "${SPOOL:?}" "${DB:?}" "${MUNGE_DIR:?}"
  mkdir -p "$ETC" "$RUN" "$LOG" "$STATE/slurmctld" "$SPOOL/slurmd" "$DB"
  echo "$accounting" >"$R/accounting"
}

accounting_mode() { cat "$R/accounting" 2>/dev/null || echo unknown; }

# ---------------------------------------------------------------- munge

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

ensure_munge_key() {
  [[ -s /etc/munge/munge.key ]] && return 0
  log "creating /etc/munge/munge.key"
  install -d -o munge -g munge -m 0700 /etc/munge
  mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 0600 /etc/munge/munge.key
}

start_munge() {
  if munge_works; then
    daemon_pid munged >/dev/null || log "munge: using the munged already running"
    return 0
  fi
  ensure_munge_key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 "$MUNGE_DIR"
  log "starting munged"
  runuser -u munge -- munged --force --pid-file="$MUNGE_DIR/munged.pid" \
    --log-file="$MUNGE_DIR/munged.log" --seed-file="$MUNGE_DIR/munged.seed" \
    </dev/null >>"$LOG/munged.stderr" 2>&1 9>&- ||
    fail "munged did not start" "$LOG/munged.stderr" "$MUNGE_DIR/munged.log"
  wait_until 10 - munge_works ||
    fail "munge does not work (munge -n | unmunge)" "$MUNGE_DIR/munged.log"
}

# ---------------------------------------------------------------- MariaDB + slurmdbd

mariadb_sql() { mariadb --defaults-file="$DB/my.cnf" -e "$1"; }

mariadb_ready() { mariadb_sql 'SELECT 1'; }

start_mariadb() {
  write_mariadb_conf
  log "starting MariaDB on 127.0.0.1:3306"
  mariadb-install-db --defaults-file="$DB/my.cnf" --auth-root-authentication-method=socket \
    --skip-test-db >"$LOG/mariadb-install-db.log" 2>&1 ||
    fail "mariadb-install-db failed" "$LOG/mariadb-install-db.log"
  launch mariadbd "$LOG/mariadbd.stderr" mariadbd --defaults-file="$DB/my.cnf"
  wait_until 30 mariadbd mariadb_ready ||
    fail "MariaDB did not become ready" "$(daemon_log mariadbd)"
  mariadb_sql "CREATE DATABASE IF NOT EXISTS $DB_NAME;
    CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
    CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
    GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'127.0.0.1';
    GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost';" ||
    fail "cannot create the slurm database user" "$LOG/mariadbd.log"
}

slurmdbd_ready() { timeout 10 sacctmgr -n -P list cluster format=Cluster; }

cluster_registered() {
  [[ $(timeout 10 sacctmgr -n -P list cluster format=Cluster) == *"$CLUSTER"* ]]
}

start_slurmdbd() {
  write_slurmdbd_conf
  log "starting slurmdbd"
  launch slurmdbd "$LOG/slurmdbd.stderr" slurmdbd -D
  wait_until 30 slurmdbd slurmdbd_ready ||
    fail "slurmdbd did not become ready" "$(daemon_log slurmdbd)"
  cluster_registered && return 0
  timeout 20 sacctmgr -i add cluster "$CLUSTER" >"$LOG/sacctmgr.log" 2>&1 ||
    cluster_registered || fail "sacctmgr add cluster $CLUSTER failed" "$LOG/sacctmgr.log"
}

# ---------------------------------------------------------------- slurmctld + slurmd

ctld_up() { timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; }

# node_state: e.g. idle, mixed, allocated, idle* (not responding), down*, drained.
node_state() { timeout 10 sinfo -h -N -n "$(node_name)" -o %T 2>/dev/null | head -n 1; }

node_usable() { [[ $(node_state) =~ ^(idle|mixed|allocated|completing)$ ]]; }

node_idle() { [[ $(node_state) == idle ]]; }

start_slurmctld() {
  log "starting slurmctld"
  launch slurmctld "$LOG/slurmctld.stderr" slurmctld -D
  wait_until 30 slurmctld ctld_up ||
    fail "slurmctld did not answer 'scontrol ping'" "$(daemon_log slurmctld)"
}

start_slurmd() {
  log "starting slurmd"
  launch slurmd "$LOG/slurmd.stderr" slurmd -D
  wait_until 30 slurmd node_idle ||
    fail "node $(node_name) did not become idle (state: $(node_state))" \
      "$(daemon_log slurmd)" "$LOG/slurmctld.log"
}

job_state() { timeout 10 squeue -h -t all -j "$1" -o %T 2>/dev/null; }

# Submit a tiny job and wait until it has COMPLETED: the cluster really runs jobs.
run_probe_job() {
  local id state deadline=$((SECONDS + 60))
  id=$(timeout 20 sbatch --parsable -J molq-dev-probe -p debug -D "$R" -o /dev/null \
    -e /dev/null --wrap true 2>"$LOG/probe.err") ||
    fail "sbatch of the probe job failed" "$LOG/probe.err" "$LOG/slurmctld.log"
  id=${id%%;*}
  log "probe job $id submitted"
  while :; do
    state=$(job_state "$id" || true)
    case $state in
      COMPLETED) return 0 ;;
      FAILED | CANCELLED | TIMEOUT | NODE_FAIL | BOOT_FAIL | OUT_OF_MEMORY)
        fail "probe job $id ended $state" "$LOG/slurmd.log" "$LOG/slurmctld.log" ;;
    esac
    ((SECONDS < deadline)) || fail "probe job $id did not complete in 60 s (state: \
$(timeout 10 squeue -h -t all -j "$id" -o '%T %r' 2>/dev/null))" \
      "$LOG/slurmctld.log" "$LOG/slurmd.log"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- health

required_daemons() {
  if [[ $(accounting_mode) == on ]]; then
    echo mariadbd slurmdbd slurmctld slurmd
  else
    echo slurmctld slurmd
  fi
}

any_ours_running() {
  local d
  for d in "${DAEMONS[@]}"; do
    [[ -n $(our_pids "$d") ]] && return 0
  done
  [[ -n $(job_pids) ]]
}

# rest_running: every daemon except slurmctld is up (what start-ctld needs).
rest_running() {
  local d
  for d in $(required_daemons); do
    [[ $d == slurmctld ]] || daemon_pid "$d" >/dev/null || return 1
  done
  munge_works
}

healthy() {
  local d
  [[ -f $ETC/slurm.conf ]] || return 1
  for d in $(required_daemons); do
    daemon_pid "$d" >/dev/null || return 1
  done
  munge_works && ctld_up && node_usable
}

# ---------------------------------------------------------------- commands

take_lock() {
  mkdir -p "$R"
  exec 9>"$R/.lock"
  flock -w 300 9 || { err "another $PROG command holds $R/.lock"; exit 1; }
}

on_exit() {
  local rc=$?
  unblock_service_starts
  if ((rc != 0 && STARTING)); then
    STARTING=0
    err "start failed; stopping what was started"
    stop_all >&2 || true
  fi
}

cancel_all_jobs() {
  local ids deadline=$((SECONDS + 15))
  daemon_pid slurmctld >/dev/null && ctld_up || return 0
  ids=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ') || return 0
  [[ -n ${ids// /} ]] || return 0
  log "cancelling jobs: $ids"
  # shellcheck disable=SC2086
  timeout 10 scancel $ids 2>/dev/null || true
  while [[ -n $(timeout 10 squeue -h -o %A 2>/dev/null) ]]; do
    ((SECONDS < deadline)) || { log "queue did not drain; stopping anyway"; return 0; }
    sleep 0.2
  done
}

stop_all() {
  local d
  cancel_all_jobs
  for d in "${DAEMONS[@]}"; do
    stop_daemon "$d"
    [[ $d != slurmd ]] || kill_jobs
  done
}

cmd_start() {
  local accounting=on started_at=$SECONDS
  case ${1:-} in
    '') ;;
    --no-accounting) accounting=off ;;
    *) usage ;;
  esac
  take_lock
  if healthy; then
    link_system_conf
    if [[ $(accounting_mode) != "$accounting" ]]; then
      err "already running with accounting $(accounting_mode); run '$0 stop' first to switch"
      exit 1
    fi
    log "already running and healthy (accounting $accounting)"
    return 0
  fi
  if any_ours_running; then
    log "found a partly running or unhealthy cluster; stopping it first"
    stop_all
  fi
  STARTING=1
  ensure_packages
  fresh_runtime_dir "$accounting"
  write_slurm_conf "$accounting"
  link_system_conf
  start_munge
  if [[ $accounting == on ]]; then
    start_mariadb
    start_slurmdbd
  fi
  start_slurmctld
  start_slurmd
  run_probe_job
  STARTING=0
  log "ready in $((SECONDS - started_at)) s (accounting $accounting, node $(node_name)," \
    "partitions debug+long, runtime dir $R)"
}

cmd_stop() {
  take_lock
  if ! any_ours_running; then
    log "not running"
    return 0
  fi
  stop_all
  log "stopped"
}

cmd_status() {
  local d pids
  if [[ -f $ETC/slurm.conf ]] && daemon_pid slurmctld >/dev/null && ctld_up; then
    log "up (runtime dir $R)"
    log "$(timeout 10 scontrol ping 2>&1 | head -n 1)"
    log "node $(node_name): $(node_state)"
    log "accounting: $(accounting_mode)"
    return 0
  fi
  log "down (runtime dir $R)"
  for d in "${DAEMONS[@]}"; do
    pids=$(our_pids "$d" | tr '\n' ' ')
    [[ -z $pids ]] || log "still running: $d (pid ${pids% })"
  done
  pids=$(job_pids | tr '\n' ' ')
  [[ -z $pids ]] || log "still running: job processes (pid ${pids% })"
  exit 3
}

cmd_env() {
  echo "export MOLQ_SLURM_DIR='$R'"
  echo "export SLURM_CONF='$ETC/slurm.conf'"
  echo "export MOLQ_SLURM_ACCOUNTING='$(accounting_mode)'"
}

cmd_reconfigure() {
  local running
  take_lock
  healthy || { err "the cluster is not running; use '$0 start'"; exit 1; }
  write_slurm_conf "$(accounting_mode)"
  # SelectTypeParameters changes only with a restart: keep what the controller runs with.
  running=$(timeout 10 scontrol show config | sed -n 's/^SelectTypeParameters *= *//p')
  if [[ $running != CR_CORE_MEMORY ]]; then
    sed -i 's/^SelectTypeParameters=.*/SelectTypeParameters=CR_Core/; /^DefMemPerCPU=/d' \
      "$ETC/slurm.conf"
    log "memory stays unenforced until a fresh start (stop, then start)"
  fi
  timeout 30 scontrol reconfigure || fail "scontrol reconfigure failed" "$LOG/slurmctld.log"
  wait_until 30 slurmctld node_usable ||
    fail "node $(node_name) did not respond (state: $(node_state))" "$LOG/slurmctld.log"
  log "reconfigured; node $(node_name): $(node_state)"
}

cmd_stop_ctld() {
  take_lock
  stop_daemon slurmctld
}

cmd_start_ctld() {
  take_lock
  [[ -f $ETC/slurm.conf ]] || { err "no cluster configured; run '$0 start'"; exit 1; }
  if daemon_pid slurmctld >/dev/null && ctld_up; then
    log "slurmctld already running"
    return 0
  fi
  rest_running || { err "the rest of the cluster is not running; use '$0 start'"; exit 1; }
  stop_daemon slurmctld
  start_slurmctld
  wait_until 30 slurmctld node_usable ||
    fail "node $(node_name) did not respond (state: $(node_state))" "$LOG/slurmctld.log"
  log "slurmctld up; node $(node_name): $(node_state)"
}

main() {
  local cmd=${1:-}
  [[ $cmd == env ]] || [[ $(id -u) == 0 ]] || { err "must run as root"; exit 2; }
  check_runtime_dir
  trap on_exit EXIT
  trap 'exit 130' INT TERM HUP
  shift || true
  case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    reconfigure) cmd_reconfigure ;;
    stop-ctld) cmd_stop_ctld ;;
    start-ctld) cmd_start_ctld ;;
    *) usage ;;
  esac
}

main "$@"
