#!/usr/bin/env bash
# sge-dev-cluster.sh — a REAL one-host Son of Grid Engine 8.1.9 cell (Debian 12 packages)
# on this machine, for molq's integration tests and for local development.
#
# Runs as root, without systemd: sge_qmaster and sge_execd are started directly (both
# daemonise). Grid Engine keeps its state where the packages put it: the cell in
# /var/lib/gridengine/default, spool and job database in /var/spool/gridengine. What this
# script starts and logs lives under ONE runtime directory:
#   ${MOLQ_SGE_DIR:-/tmp/molq-sge}
# Clients (qsub, qstat, qacct, qdel) work from any process without environment variables.
# Ports used: 6444 sge_qmaster, 6445 sge_execd.
#
# Usage:
#   sge-dev-cluster.sh start
#       Installs the packages if missing (non-interactive debconf answers), configures the
#       cell (this host as master, submit and execution host; queue all.q with
#       ${MOLQ_SGE_SLOTS:-4} slots; parallel environment `smp` with allocation $pe_slots for
#       molq's --cpus; fast scheduling and accounting flushes for tests), starts the daemons
#       and waits until a probe job has run and reached accounting (~8 s warm).
#       Already running and healthy: says so, exits 0.
#   sge-dev-cluster.sh stop            delete all jobs, then stop only the daemons this
#                                      script started (exit 0 if nothing runs)
#   sge-dev-cluster.sh status          exit 0 if up, 3 if down
#   sge-dev-cluster.sh env             print `export` lines (eval "$(... env)")
#   sge-dev-cluster.sh stop-qmaster
#   sge-dev-cluster.sh start-qmaster
#       Fault tests: stop (SIGTERM; the job database is kept) or restart ONLY sge_qmaster.
#       Jobs keep running under sge_execd meanwhile; qstat, qsub and qdel fail with
#       "unable to send message to qmaster using port 6444 ..." (exit 1). After the restart,
#       a job that ended during the outage is still listed as running until execd resends
#       its end report (~15 s), then it leaves qstat and reaches accounting.
#
# Configuration: the cell `default` built by the packages (SGE_ROOT=/var/lib/gridengine,
# admin user sgeadmin), host_aliases mapping `localhost` to `hostname -s` (127.0.0.1 reverse-
# resolves to localhost here, which otherwise makes every client hang), min_uid/min_gid 0
# (so root's jobs run), load_thresholds NONE (a busy 2-core machine must not put the queue
# in alarm state), schedule_interval 1 s, accounting_flush_time 0.
set -euo pipefail

readonly PROG=sge-dev-cluster
readonly R="${MOLQ_SGE_DIR:-/tmp/molq-sge}"
readonly RUN="$R/run" LOG="$R/log" CONF="$R/conf"
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
readonly COMMON="$SGE_ROOT/$SGE_CELL/common"
readonly SPOOL=/var/spool/gridengine
readonly QMASTER_PID_FILE="$SPOOL/qmaster/qmaster.pid"
readonly PACKAGES=(gridengine-master gridengine-exec gridengine-client)
readonly SLOTS="${MOLQ_SGE_SLOTS:-4}"
readonly QUEUE=all.q PE=smp

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

host() { hostname -s; }

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

# execd writes its pid file under its spool directory, named as it resolved itself.
execd_pid_file() {
  local f
  for f in "$SPOOL"/execd/*/execd.pid; do
    [[ -f $f ]] && { echo "$f"; return 0; }
  done
  echo "$SPOOL/execd/$(host)/execd.pid"
}

# running_pid NAME: the pid in Grid Engine's own pid file for NAME, if that process lives.
running_pid() {
  local f pid
  case $1 in
    sge_qmaster) f=$QMASTER_PID_FILE ;;
    sge_execd) f=$(execd_pid_file) ;;
  esac
  [[ -f $f ]] || return 1
  pid=$(tr -dc 0-9 <"$f")
  proc_alive "$pid" "$1" && echo "$pid"
}

# ours NAME: the pid of NAME if this script started it (recorded in $RUN/NAME.pid).
ours() {
  local pid
  [[ -f $RUN/$1.pid ]] || return 1
  pid=$(tr -dc 0-9 <"$RUN/$1.pid")
  proc_alive "$pid" "$1" && echo "$pid"
}

# start_daemon NAME: start NAME (it daemonises), wait for its pid file, record the pid.
start_daemon() {
  local name=$1 pid deadline=$((SECONDS + 30))
  log "starting $name"
  "/usr/sbin/$name" </dev/null >>"$LOG/$name.stderr" 2>&1 9>&- ||
    fail "$name did not start" "$LOG/$name.stderr" "$(messages_file "$name")"
  until pid=$(running_pid "$name"); do
    ((SECONDS < deadline)) || fail "$name wrote no pid file within 30 s" \
      "$LOG/$name.stderr" "$(messages_file "$name")"
    sleep 0.1
  done
  echo "$pid" >"$RUN/$name.pid"
}

messages_file() {
  case $1 in
    sge_qmaster) echo "$SPOOL/qmaster/messages" ;;
    sge_execd) echo "$(dirname "$(execd_pid_file)")/messages" ;;
  esac
}

# stop_daemon NAME: SIGTERM NAME if we started it, wait for it (SIGKILL after 20 s).
stop_daemon() {
  local name=$1 pid deadline=$((SECONDS + 20))
  pid=$(ours "$name") || { rm -f "$RUN/$name.pid"; return 0; }
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while proc_alive "$pid" "$name"; do
    if ((SECONDS >= deadline)); then
      log "$name (pid $pid) ignores SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 5))
    fi
    sleep 0.1
  done
  rm -f "$RUN/$name.pid"
}

# job_pids: sge_shepherd processes and all their descendants (jobs left behind).
job_pids() {
  local -A parent_of=() is_job=()
  local p pid ppid comm changed=1 _p _c _s
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    read -r _p _c _s ppid _ 2>/dev/null <"$p/stat" || continue
    parent_of[$pid]=$ppid
    read -r comm 2>/dev/null <"$p/comm" || continue
    [[ $comm == sge_shepherd ]] && is_job[$pid]=1
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

kill_jobs() {
  local pids
  mapfile -t pids < <(job_pids)
  ((${#pids[@]})) || return 0
  log "killing leftover job processes (pid ${pids[*]})"
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
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

# No systemd here: keep package scripts from starting daemons (exim4, Grid Engine).
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

# The packages ask for the master's name and the cell, and whether to build the cell.
debconf_answers() {
  local pkg
  for pkg in gridengine-common gridengine-client gridengine-master gridengine-exec; do
    printf '%s shared/gridenginemaster string %s\n' "$pkg" "$(host)"
    printf '%s shared/gridenginecell string default\n' "$pkg"
    printf '%s shared/gridengineconfig boolean true\n' "$pkg"
  done | debconf-set-selections
}

ensure_packages() {
  local missing
  mapfile -t missing < <(packages_missing)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} (log: $R/apt.log)"
    debconf_answers
    block_service_starts
    if ! apt_lists_present || ! apt_install "${missing[@]}"; then
      log "running apt-get update"
      DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$R/apt.log" 2>&1 ||
        fail "apt-get update failed" "$R/apt.log"
      apt_install "${missing[@]}" || fail "apt-get install failed" "$R/apt.log"
    fi
    unblock_service_starts
  fi
  if [[ ! -f $COMMON/bootstrap ]]; then
    # Installed earlier without letting the package build the cell: build it now.
    log "building the cell $SGE_ROOT/$SGE_CELL"
    debconf_answers
    block_service_starts
    DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -fnoninteractive gridengine-master \
      >>"$R/apt.log" 2>&1 || fail "dpkg-reconfigure gridengine-master failed" "$R/apt.log"
    unblock_service_starts
    [[ -f $COMMON/bootstrap ]] || fail "the packages did not build the cell" "$R/apt.log"
  fi
}

# ---------------------------------------------------------------- configuration

# Before the master starts: which host it is, and that localhost is this host.
write_cell_files() {
  host >"$COMMON/act_qmaster"
  echo "$(host) localhost" >"$COMMON/host_aliases"
}

qconf_() { timeout 20 qconf "$@"; }

# apply KIND NAME FILE: add the object from FILE, or modify it if it exists (-A*/-M*).
apply() {
  local kind=$1 name=$2 file=$3 show
  case $kind in
    p) show=-sp ;;
    q) show=-sq ;;
    e) show=-se ;;
  esac
  if qconf_ "$show" "$name" >/dev/null 2>&1; then
    qconf_ "-M$kind" "$file" >>"$LOG/qconf.log" 2>&1 || fail "qconf -M$kind $name failed" "$LOG/qconf.log"
  else
    qconf_ "-A$kind" "$file" >>"$LOG/qconf.log" 2>&1 || fail "qconf -A$kind $name failed" "$LOG/qconf.log"
  fi
}

configure_cell() {
  local h
  h=$(host)
  mkdir -p "$CONF"
  # Global configuration: root may run jobs, fast load reports, accounting flushed at once.
  qconf_ -sconf >"$CONF/global.orig" || fail "qconf -sconf failed" "$(messages_file sge_qmaster)"
  awk '
    /^reporting_params/ { skip = 1
      print "reporting_params             accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00 accounting_flush_time=00:00:00"
      next }
    skip && /^[ \t]/ { next }
    { skip = 0 }
    /^min_uid /          { print "min_uid                      0"; next }
    /^min_gid /          { print "min_gid                      0"; next }
    /^load_report_time / { print "load_report_time             00:00:05"; next }
    { print }
  ' "$CONF/global.orig" >"$CONF/global"
  (cd "$CONF" && qconf_ -Mconf global >>"$LOG/qconf.log" 2>&1) ||
    fail "qconf -Mconf global failed" "$LOG/qconf.log"
  qconf_ -ssconf >"$CONF/sched.orig" || fail "qconf -ssconf failed" "$LOG/qconf.log"
  sed -e 's/^schedule_interval .*/schedule_interval                 0:0:1/' \
    -e 's/^flush_submit_sec .*/flush_submit_sec                  1/' \
    -e 's/^flush_finish_sec .*/flush_finish_sec                  1/' \
    "$CONF/sched.orig" >"$CONF/sched"
  qconf_ -Msconf "$CONF/sched" >>"$LOG/qconf.log" 2>&1 || fail "qconf -Msconf failed" "$LOG/qconf.log"
  qconf_ -sh 2>/dev/null | grep -qx "$h" || qconf_ -ah "$h" >>"$LOG/qconf.log" 2>&1
  qconf_ -ss 2>/dev/null | grep -qx "$h" || qconf_ -as "$h" >>"$LOG/qconf.log" 2>&1
  cat >"$CONF/pe" <<EOF
pe_name            $PE
slots              9999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    \$pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
  apply p "$PE" "$CONF/pe"
  cat >"$CONF/exechost" <<EOF
hostname              $h
load_scaling          NONE
complex_values        NONE
user_lists            NONE
xuser_lists           NONE
projects              NONE
xprojects             NONE
usage_scaling         NONE
report_variables      NONE
EOF
  apply e "$h" "$CONF/exechost"
  qconf_ -sq >"$CONF/queue.template" || fail "qconf -sq failed" "$LOG/qconf.log"
  sed -e "s/^qname .*/qname                 $QUEUE/" \
    -e "s/^hostlist .*/hostlist              $h/" \
    -e "s/^load_thresholds .*/load_thresholds       NONE/" \
    -e "s/^pe_list .*/pe_list               $PE/" \
    -e "s/^slots .*/slots                 $SLOTS/" \
    -e "s|^shell .*|shell                 /bin/sh|" \
    "$CONF/queue.template" >"$CONF/$QUEUE"
  apply q "$QUEUE" "$CONF/$QUEUE"
}

# ---------------------------------------------------------------- health

qmaster_answers() { timeout 10 qstat -u root >/dev/null 2>&1; }

execd_registered() {
  # The queue instance has a load value once execd reported to the master.
  [[ $(timeout 10 qstat -f -q "$QUEUE" 2>/dev/null | awk -v q="$QUEUE@$(host)" '$1 == q { print $4 }') =~ ^[0-9.]+$ ]]
}

queue_usable() {
  local states
  states=$(timeout 10 qstat -f -q "$QUEUE" 2>/dev/null | awk -v q="$QUEUE@$(host)" '$1 == q { print $6 }')
  execd_registered && [[ -z $states ]]
}

healthy() {
  running_pid sge_qmaster >/dev/null && running_pid sge_execd >/dev/null && qmaster_answers &&
    queue_usable
}

# Submit a tiny job and wait until accounting has it with exit status 0: jobs really run.
run_probe_job() {
  local id deadline=$((SECONDS + 60)) record
  id=$(timeout 20 qsub -terse -b y -N molq-dev-probe -o /dev/null -e /dev/null -wd / /bin/true \
    2>"$LOG/probe.err") || fail "qsub of the probe job failed" "$LOG/probe.err" \
    "$(messages_file sge_qmaster)"
  log "probe job $id submitted"
  while :; do
    record=$(timeout 10 qacct -j "$id" 2>/dev/null || true)
    # Before the first job ends there is no accounting file ("no jobs running since startup").
    if grep -q '^jobnumber' <<<"$record"; then
      grep -Eq '^failed +0' <<<"$record" && grep -Eq '^exit_status +0' <<<"$record" && return 0
      fail "probe job $id did not succeed: $(grep -E '^(failed|exit_status)' <<<"$record" | tr -s ' ' | tr '\n' ';')" \
        "$(messages_file sge_execd)"
    fi
    ((SECONDS < deadline)) || fail "probe job $id did not run within 60 s ($(timeout 10 qstat -j "$id" 2>&1 | grep -E 'scheduling info|error' | head -n 3 | tr '\n' ' '))" \
      "$(messages_file sge_qmaster)" "$(messages_file sge_execd)"
    sleep 0.3
  done
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

delete_all_jobs() {
  local deadline=$((SECONDS + 20))
  running_pid sge_qmaster >/dev/null && qmaster_answers || return 0
  [[ -n $(timeout 10 qstat -u '*' 2>/dev/null) ]] || return 0
  log "deleting all jobs"
  timeout 10 qdel -f -u '*' >/dev/null 2>&1 || true
  while [[ -n $(timeout 10 qstat -u '*' 2>/dev/null) ]]; do
    ((SECONDS < deadline)) || { log "jobs did not go away; stopping anyway"; return 0; }
    sleep 0.3
  done
}

# Only what this script started: jobs are deleted and leftovers killed only on our daemons.
stop_all() {
  local execd_ours=0
  if ours sge_qmaster >/dev/null; then delete_all_jobs; fi
  if ours sge_execd >/dev/null; then execd_ours=1; fi
  stop_daemon sge_execd
  if ((execd_ours)); then kill_jobs; fi
  stop_daemon sge_qmaster
}

cmd_start() {
  local started_at=$SECONDS
  take_lock
  mkdir -p "$RUN" "$LOG"
  if healthy; then
    log "already running and healthy (queue $QUEUE@$(host), runtime dir $R)"
    return 0
  fi
  if ours sge_qmaster >/dev/null || ours sge_execd >/dev/null; then
    log "found a partly running or unhealthy cell; stopping it first"
    stop_all
  fi
  STARTING=1
  ensure_packages
  if ! running_pid sge_qmaster >/dev/null; then
    write_cell_files
    start_daemon sge_qmaster
  else
    log "sge_qmaster already running (not started by this script)"
  fi
  wait_until 30 qmaster_answers || fail "sge_qmaster does not answer qstat" \
    "$(messages_file sge_qmaster)"
  configure_cell
  if running_pid sge_execd >/dev/null; then
    # Restarted so that it reads the new global configuration (min_uid, load reports).
    if ours sge_execd >/dev/null; then stop_daemon sge_execd; fi
  fi
  running_pid sge_execd >/dev/null || start_daemon sge_execd
  wait_until 60 queue_usable || fail "queue $QUEUE@$(host) did not become usable: \
$(timeout 10 qstat -f -q "$QUEUE" 2>&1 | tail -n 1)" "$(messages_file sge_execd)"
  run_probe_job
  STARTING=0
  log "ready in $((SECONDS - started_at)) s (queue $QUEUE@$(host) with $SLOTS slots, PE $PE," \
    "runtime dir $R)"
}

cmd_stop() {
  take_lock
  if ! ours sge_qmaster >/dev/null && ! ours sge_execd >/dev/null; then
    log "not running (nothing started by this script)"
    return 0
  fi
  stop_all
  log "stopped"
}

cmd_status() {
  if running_pid sge_qmaster >/dev/null && qmaster_answers; then
    log "up (runtime dir $R)"
    log "queue: $(timeout 10 qstat -f -q "$QUEUE" 2>/dev/null | awk -v q="$QUEUE@$(host)" '$1 == q { print $1, $3, ($6 == "" ? "ok" : $6) }')"
    running_pid sge_execd >/dev/null || log "sge_execd: not running"
    return 0
  fi
  log "down (runtime dir $R)"
  running_pid sge_execd >/dev/null && log "still running: sge_execd"
  exit 3
}

cmd_env() {
  echo "export MOLQ_SGE_DIR='$R'"
  echo "export SGE_ROOT='$SGE_ROOT'"
  echo "export SGE_CELL='$SGE_CELL'"
}

cmd_stop_qmaster() {
  take_lock
  ours sge_qmaster >/dev/null || { err "sge_qmaster was not started by this script"; exit 1; }
  stop_daemon sge_qmaster
}

cmd_start_qmaster() {
  take_lock
  [[ -f $COMMON/bootstrap ]] || { err "no cell configured; run '$0 start'"; exit 1; }
  if running_pid sge_qmaster >/dev/null && qmaster_answers; then
    log "sge_qmaster already running"
    return 0
  fi
  running_pid sge_execd >/dev/null || { err "sge_execd is not running; use '$0 start'"; exit 1; }
  start_daemon sge_qmaster
  wait_until 30 qmaster_answers || fail "sge_qmaster does not answer qstat" \
    "$(messages_file sge_qmaster)"
  log "sge_qmaster up"
}

main() {
  local cmd=${1:-}
  [[ $cmd == env ]] || [[ $(id -u) == 0 ]] || { err "must run as root"; exit 2; }
  [[ $R == /* && $R != / && $R != *..* ]] ||
    { err "MOLQ_SGE_DIR must be an absolute path other than / (got '$R')"; exit 2; }
  trap on_exit EXIT
  trap 'exit 130' INT TERM HUP
  shift || true
  case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    stop-qmaster) cmd_stop_qmaster ;;
    start-qmaster) cmd_start_qmaster ;;
    *) usage ;;
  esac
}

main "$@"
