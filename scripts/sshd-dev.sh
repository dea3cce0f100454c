#!/usr/bin/env bash
# sshd-dev.sh — a private OpenSSH server on 127.0.0.1 standing in for a cluster's login
# node, for molq's SSH tests and for local development.
#
# Runs as root, without systemd. A separate Unix account, `molqcluster` (home
# /home/molqcluster, login shell bash), is the cluster side: remote job directories and
# processes really belong to another user. Key-only login. Everything the server needs
# lives under ONE state directory (0700):
#   ${MOLQ_SSHD_DIR:-/tmp/molq-sshd}
#     host_ed25519_key(.pub)   generated host key (kept across restarts)
#     client_key(.pub)         generated client key, no passphrase
#     authorized_keys          the client key as molqcluster accepts it (installed into
#                              ~molqcluster/.ssh/authorized_keys: sshd reads it as the user)
#     sshd_config sshd.pid sshd.log (LogLevel VERBOSE: count `Accepted publickey` lines)
#     ssh_config known_hosts   client side: `ssh -F $DIR/ssh_config molq-test CMD`
#     mounts                   sshfs mount points made by `mount`
# Port ${MOLQ_SSHD_PORT:-2222}; MaxSessions ${MOLQ_SSHD_MAX_SESSIONS:-10}.
#
# Usage:
#   sshd-dev.sh start               install packages if missing, start (idempotent) and wait
#                                   until `ssh -F ssh_config molq-test true` works; restarts
#                                   when the port or MaxSessions asked for differs
#   sshd-dev.sh stop                unmount our sshfs mounts, stop our sshd (pid + name
#                                   check) and its connections, withdraw our client key
#                                   from molqcluster; exit 0 if nothing runs
#   sshd-dev.sh status              exit 0 if up, 3 if down
#   sshd-dev.sh kill-connections    SIGKILL the listening sshd and every per-connection sshd
#                                   under it: a cut link (run `start` to bring it back)
#   sshd-dev.sh mount LOCAL_DIR [REMOTE_DIR]
#                                   mount molqcluster's REMOTE_DIR (default ~/molq-nfs) at
#                                   LOCAL_DIR with sshfs (fuse.sshfs, -o reconnect)
#   sshd-dev.sh unmount LOCAL_DIR   fusermount -u
# Success prints one line; errors go to stderr with a non-zero exit.
set -euo pipefail

readonly PROG=sshd-dev
readonly R="${MOLQ_SSHD_DIR:-/tmp/molq-sshd}"
readonly PORT="${MOLQ_SSHD_PORT:-2222}"
readonly MAX_SESSIONS="${MOLQ_SSHD_MAX_SESSIONS:-10}"
readonly ACCOUNT=molqcluster
readonly HOST_ALIAS=molq-test
readonly SSHD=/usr/sbin/sshd
readonly PACKAGES=(openssh-server openssh-client sshfs)

STARTING=0    # 1 while `start` runs: a failure then stops what was started
TEMP_POLICY=0 # 1 while we own a temporary /usr/sbin/policy-rc.d

err() { echo "$PROG: error: $*" >&2; }

# fail MESSAGE [LOGFILE...]: report, show the logs' tails, exit 1.
fail() {
  local msg=$1 f
  shift
  err "$msg"
  for f in "$@"; do
    [[ -s $f ]] || continue
    echo "$PROG: --- last lines of $f ---" >&2
    tail -n 15 "$f" >&2
  done
  exit 1
}

usage() {
  sed -n '/^# Usage:/,/^# Success/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
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

# listener_pid: our listening sshd (pid file, name, and started with our config).
listener_pid() {
  local pid
  [[ -f $R/sshd.pid ]] || return 1
  pid=$(tr -dc 0-9 <"$R/sshd.pid")
  proc_alive "$pid" sshd || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-f $R/sshd_config" || return 1
  echo "$pid"
}

# descendants PID: every process below PID (per-connection sshd and their children).
descendants() {
  local root=$1 p pid ppid changed=1 _c _s
  local -A parent_of=() mine=([$root]=1)
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    read -r _ _c _s ppid _ 2>/dev/null <"$p/stat" || continue
    parent_of[$pid]=$ppid
  done
  while ((changed)); do
    changed=0
    for pid in "${!parent_of[@]}"; do
      [[ -z ${mine[$pid]:-} && -n ${mine[${parent_of[$pid]}]:-} ]] || continue
      mine[$pid]=1
      changed=1
    done
  done
  for pid in "${!mine[@]}"; do
    [[ $pid == "$root" ]] || echo "$pid"
  done
}

# connection_pids LISTENER: the per-connection sshd processes (OpenSSH 9.8+ names them
# sshd-session / sshd-auth) under our listener.
connection_pids() {
  local pid comm
  for pid in $(descendants "$1"); do
    read -r comm 2>/dev/null <"/proc/$pid/comm" || continue
    [[ $comm == sshd || $comm == sshd-session || $comm == sshd-auth ]] && echo "$pid"
  done
  return 0
}

# stop_sshd SIGNAL: signal our listener and its connections, wait until they are gone.
stop_sshd() {
  local signal=$1 listener pids pid deadline=$((SECONDS + 10))
  listener=$(listener_pid) || { rm -f "$R/sshd.pid"; return 0; }
  mapfile -t pids < <(connection_pids "$listener")
  kill "-$signal" "$listener" "${pids[@]}" 2>/dev/null || true
  for pid in "$listener" "${pids[@]}"; do
    while [[ -e /proc/$pid ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
      if ((SECONDS >= deadline)); then
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 5))
      fi
      sleep 0.05
    done
  done
  rm -f "$R/sshd.pid"
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

# No systemd here: keep the package scripts from starting Debian's own sshd on port 22.
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
  block_service_starts
  if ! apt_install "${missing[@]}"; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$R/apt.log" 2>&1 ||
      fail "apt-get update failed" "$R/apt.log"
    apt_install "${missing[@]}" || fail "apt-get install ${missing[*]} failed" "$R/apt.log"
  fi
  unblock_service_starts
}

# ---------------------------------------------------------------- account and keys

account_home() { getent passwd "$ACCOUNT" | cut -d: -f6; }

ensure_account() {
  if ! getent passwd "$ACCOUNT" >/dev/null; then
    useradd --create-home --user-group --shell /bin/bash "$ACCOUNT" ||
      fail "cannot create the account $ACCOUNT"
  fi
  # Without PAM, sshd refuses every login to a locked account ("!" password); "*" means
  # "no password" without locking it.
  if [[ $(getent shadow "$ACCOUNT" | cut -d: -f2) == '!'* ]]; then
    usermod -p '*' "$ACCOUNT"
  fi
  local home
  home=$(account_home)
  install -d -o "$ACCOUNT" -g "$ACCOUNT" -m 0700 "$home/.ssh"
  install -d -o "$ACCOUNT" -g "$ACCOUNT" -m 0755 "$home/molq-nfs"
}

ensure_keys() {
  [[ -s $R/host_ed25519_key ]] ||
    ssh-keygen -q -t ed25519 -N '' -C "molq-sshd-host" -f "$R/host_ed25519_key" >/dev/null
  [[ -s $R/client_key ]] ||
    ssh-keygen -q -t ed25519 -N '' -C "molq-sshd-client" -f "$R/client_key" >/dev/null
  chmod 600 "$R/host_ed25519_key" "$R/client_key"
}

# Installs our client key for molqcluster, replacing only the line of this state directory
# (another state directory's key stays valid).
install_authorized_key() {
  local home tag keys
  home=$(account_home)
  tag="molq-sshd:$R"
  echo "$(cut -d' ' -f1,2 "$R/client_key.pub") $tag" >"$R/authorized_keys"
  keys="$home/.ssh/authorized_keys"
  {
    if [[ -f $keys ]]; then grep -vF -- " $tag" "$keys" || true; fi
    cat "$R/authorized_keys"
  } >"$keys.new"
  chown "$ACCOUNT:$ACCOUNT" "$keys.new"
  chmod 600 "$keys.new"
  mv -f "$keys.new" "$keys"
}

# Removes this state directory's line (on stop: a stopped server leaves no way in).
remove_authorized_key() {
  local keys
  getent passwd "$ACCOUNT" >/dev/null || return 0
  keys="$(account_home)/.ssh/authorized_keys"
  [[ -f $keys ]] || return 0
  grep -vF -- " molq-sshd:$R" "$keys" >"$keys.new" || true
  chown "$ACCOUNT:$ACCOUNT" "$keys.new"
  chmod 600 "$keys.new"
  mv -f "$keys.new" "$keys"
}

# ---------------------------------------------------------------- configuration

write_configs() {
  cat >"$R/sshd_config" <<EOF
# Written by scripts/sshd-dev.sh — a private sshd for molq's tests.
ListenAddress 127.0.0.1
Port $PORT
HostKey $R/host_ed25519_key
PidFile $R/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
AllowUsers $ACCOUNT
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
MaxSessions $MAX_SESSIONS
LogLevel VERBOSE
PrintMotd no
X11Forwarding no
Subsystem sftp internal-sftp
EOF
  echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$R/host_ed25519_key.pub")" >"$R/known_hosts"
  cat >"$R/ssh_config" <<EOF
# Written by scripts/sshd-dev.sh — use with: ssh -F $R/ssh_config $HOST_ALIAS CMD
Host $HOST_ALIAS
  HostName 127.0.0.1
  Port $PORT
  User $ACCOUNT
  IdentityFile $R/client_key
  IdentitiesOnly yes
  UserKnownHostsFile $R/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
EOF
}

# The settings the running server was started with: "PORT MAX_SESSIONS".
running_settings() { cat "$R/settings" 2>/dev/null || true; }

ssh_works() {
  timeout 15 ssh -F "$R/ssh_config" -o BatchMode=yes -o ConnectTimeout=5 -T "$HOST_ALIAS" true \
    </dev/null >/dev/null 2>>"$R/probe.log"
}

# ---------------------------------------------------------------- commands

take_lock() {
  exec 9>"$R/.lock"
  flock -w 120 9 || { err "another $PROG command holds $R/.lock"; exit 1; }
}

ensure_state_dir() {
  [[ $R == /* && $R != / && $R != *..* ]] ||
    { err "MOLQ_SSHD_DIR must be an absolute path other than / (got '$R')"; exit 2; }
  mkdir -p "$R"
  chmod 700 "$R"
}

on_exit() {
  local rc=$?
  unblock_service_starts
  if ((rc != 0 && STARTING)); then
    STARTING=0
    stop_sshd TERM || true
  fi
}

cmd_start() {
  local pid deadline
  take_lock
  if pid=$(listener_pid); then
    if [[ $(running_settings) == "$PORT $MAX_SESSIONS" ]] && ssh_works; then
      echo "$PROG: already running on 127.0.0.1:$PORT (pid $pid, MaxSessions $MAX_SESSIONS)"
      return 0
    fi
    stop_sshd TERM
  fi
  STARTING=1
  ensure_packages
  ensure_account
  ensure_keys
  install_authorized_key
  write_configs
  install -d -m 0755 /run/sshd # privilege separation directory
  "$SSHD" -t -f "$R/sshd_config" 2>"$R/sshd.stderr" ||
    fail "sshd rejects its configuration" "$R/sshd.stderr"
  : >"$R/probe.log"
  setsid "$SSHD" -D -f "$R/sshd_config" -E "$R/sshd.log" </dev/null >>"$R/sshd.stderr" 2>&1 9>&- &
  echo "$PORT $MAX_SESSIONS" >"$R/settings"
  deadline=$((SECONDS + 20))
  until ssh_works; do
    ((SECONDS < deadline)) || fail "sshd did not accept a login on 127.0.0.1:$PORT" \
      "$R/sshd.stderr" "$R/sshd.log" "$R/probe.log"
    [[ -e /proc/$! ]] || fail "sshd exited" "$R/sshd.stderr" "$R/sshd.log"
    sleep 0.1
  done
  STARTING=0
  echo "$PROG: running on 127.0.0.1:$PORT (pid $(listener_pid), MaxSessions $MAX_SESSIONS;" \
    "ssh -F $R/ssh_config $HOST_ALIAS)"
}

cmd_stop() {
  local dir
  take_lock
  if [[ -f $R/mounts ]]; then
    while IFS= read -r dir; do
      if [[ -n $dir ]]; then unmount_dir "$dir" || true; fi
    done <"$R/mounts"
    rm -f "$R/mounts"
  fi
  remove_authorized_key
  if ! listener_pid >/dev/null; then
    echo "$PROG: not running"
    return 0
  fi
  stop_sshd TERM
  echo "$PROG: stopped"
}

cmd_status() {
  local pid
  if pid=$(listener_pid); then
    echo "$PROG: up on 127.0.0.1:$(running_settings | cut -d' ' -f1) (pid $pid," \
      "MaxSessions $(running_settings | cut -d' ' -f2))"
    return 0
  fi
  echo "$PROG: down"
  exit 3
}

cmd_kill_connections() {
  local listener count
  take_lock
  listener=$(listener_pid) || { err "not running"; exit 1; }
  count=$(connection_pids "$listener" | wc -l)
  stop_sshd KILL
  echo "$PROG: killed sshd (pid $listener) and $count connection process(es)"
}

is_sshfs_mount() { findmnt -n -t fuse.sshfs -M "$1" >/dev/null 2>&1; }

cmd_mount() {
  local local_dir=${1:-} remote_dir=${2:-molq-nfs}
  [[ -n $local_dir && $# -le 2 ]] || usage
  listener_pid >/dev/null || { err "not running; run '$0 start' first"; exit 1; }
  mkdir -p "$local_dir"
  local_dir=$(realpath "$local_dir")
  if is_sshfs_mount "$local_dir"; then
    err "$local_dir is already an sshfs mount"
    exit 1
  fi
  ssh -F "$R/ssh_config" -o BatchMode=yes -T "$HOST_ALIAS" mkdir -p -- "$(printf '%q' "$remote_dir")" \
    </dev/null 2>"$R/mount.log" || fail "cannot create $remote_dir on the server" "$R/mount.log"
  sshfs -F "$R/ssh_config" -o BatchMode=yes -o reconnect -o ServerAliveInterval=5 \
    -o ServerAliveCountMax=3 "$HOST_ALIAS:$remote_dir" "$local_dir" 2>>"$R/mount.log" ||
    fail "sshfs could not mount $remote_dir at $local_dir" "$R/mount.log"
  is_sshfs_mount "$local_dir" || fail "$local_dir is not an sshfs mount after sshfs" "$R/mount.log"
  take_lock
  echo "$local_dir" >>"$R/mounts"
  echo "$PROG: mounted $ACCOUNT's $remote_dir at $local_dir (fuse.sshfs)"
}

unmount_dir() {
  local dir=$1
  is_sshfs_mount "$dir" || return 0
  fusermount3 -u "$dir" 2>/dev/null || fusermount -u "$dir" 2>/dev/null ||
    fusermount3 -u -z "$dir" # lazy: the link is gone and sshfs cannot answer
}

cmd_unmount() {
  local dir=${1:-}
  [[ -n $dir && $# -eq 1 ]] || usage
  dir=$(realpath -m "$dir")
  is_sshfs_mount "$dir" || { err "$dir is not an sshfs mount"; exit 1; }
  unmount_dir "$dir" || { err "cannot unmount $dir"; exit 1; }
  if [[ -f $R/mounts ]]; then
    take_lock
    grep -vxF -- "$dir" "$R/mounts" >"$R/mounts.new" || true
    mv -f "$R/mounts.new" "$R/mounts"
  fi
  echo "$PROG: unmounted $dir"
}

main() {
  local cmd=${1:-}
  [[ $(id -u) == 0 ]] || { err "must run as root"; exit 2; }
  [[ $PORT =~ ^[0-9]+$ && $MAX_SESSIONS =~ ^[0-9]+$ ]] ||
    { err "MOLQ_SSHD_PORT and MOLQ_SSHD_MAX_SESSIONS must be numbers"; exit 2; }
  ensure_state_dir
  trap on_exit EXIT
  trap 'exit 130' INT TERM HUP
  shift || true
  case $cmd in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    kill-connections) cmd_kill_connections ;;
    mount) cmd_mount "$@" ;;
    unmount) cmd_unmount "$@" ;;
    *) usage ;;
  esac
}

main "$@"
