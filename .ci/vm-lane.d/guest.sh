#!/bin/bash
# PID 1 of the vm lane's guest, run by the host's bash after the initramfs switch_root'ed into the
# host root (read-only 9p + tmpfs overlay). /lane is the read-write share with the host:
# lane.env and cp/<module> come in, out/ (status, JUnit XML) goes back.
#
# It mounts what a systemd host mounts (only cgroup2, with nsdelegate and memory_recursiveprot),
# enables the controllers down to lane.slice, and runs each module's tests in a JVM that is the only
# process of a NON-root cgroup (lane.slice/runner), as a service's JVM is on a systemd host: the
# root cgroup is exempt from the "no internal processes" rule and would hide its bugs. The rootless
# run's JVM belongs to an ordinary user and sits in a delegated subtree (lane.slice/user.delegate,
# chowned as systemd's Delegate=yes does, files from /sys/kernel/cgroup/delegate). QEMU's exit code
# says nothing: the result goes back in out/status, and the guest powers off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8
RESULT=0
OUT=/lane/out
STATUS=$OUT/status
CG=/sys/fs/cgroup

mount -t proc -o nosuid,nodev,noexec proc /proc
BOOT_SECONDS=$(cut -d' ' -f1 /proc/uptime)
echo "boot_seconds=$BOOT_SECONDS" >"$STATUS"

# Guest uptime stamps, read without forking (a process start costs tens of ms under TCG).
log() { local up _; read -r up _ </proc/uptime; printf 'vm-lane guest [%6.1fs]: %s\n' "$up" "$*"; }
status() { printf '%s\n' "$*" >>"$STATUS"; }
warn() { log "WARNING: $*"; status "warning=$*"; }
# A resource a test left behind fails the lane unless the host says otherwise (VM_LANE_FAIL_ON_LEFTOVERS=0).
leftover() { warn "$*"; [[ ${LANE_FAIL_ON_LEFTOVERS:-1} == 0 ]] || RESULT=1; }
uptime_s() { local up _; read -r up _ </proc/uptime; echo "${up%.*}"; }

power_off() {
  sync
  echo o >/proc/sysrq-trigger
  sleep 60
}

# shellcheck disable=SC1091
. /lane/lane.env

# --- what a systemd host has mounted -------------------------------------------------------------
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
# Fresh /run and /tmp (the host's would show its netns names, sockets and files), unless the checkout
# lives there: then the overlay's copy of the host's directory stays (writable, in RAM all the same).
LANE_TMPDIR=
for d in /run /tmp; do
  case "$LANE_ROOT/ $LANE_WORK/" in
    "$d"/* | *" $d"/*)
      log "keeping the host's $d: the checkout is below it"
      # That /tmp is an overlay, which overlayfs refuses as an upper layer and which keeps no
      # whiteouts: the test JVMs get a temp directory on a tmpfs (the fresh /run) instead.
      [[ $d == /tmp ]] && LANE_TMPDIR=/run/lane-tmp
      ;;
    *) mount -t tmpfs -o "mode=$([[ $d == /tmp ]] && echo 1777 || echo 0755),nosuid,nodev" tmpfs "$d" ;;
  esac
done
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
if [[ -n $LANE_TMPDIR ]]; then
  [[ $(stat -f -c %T /run) == tmpfs ]] || LANE_TMPDIR=/dev/shm/lane-tmp
  mkdir -p "$LANE_TMPDIR"
  chmod 1777 "$LANE_TMPDIR"
fi
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 "$CG" || { log "cannot mount cgroup2"; power_off; }
echo vm-lane >/proc/sys/kernel/hostname
command -v ip >/dev/null && ip link set lo up
# The scratch disk's driver, and what the network tests need (the kernel would load them on demand).
modprobe -q -a virtio_blk veth bridge loop 2>/dev/null || true
log "booted in ${BOOT_SECONDS}s: $(uname -r), cgroup2 only, controllers: $(cat "$CG/cgroup.controllers")"
if [[ -n $LANE_SCRATCH && ! -b $LANE_SCRATCH ]]; then
  warn "the scratch disk $LANE_SCRATCH is missing: io.max tests on it will be skipped"
  LANE_SCRATCH=
fi
log "huge pages: $(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo), scratch disk: ${LANE_SCRATCH:-none}"

# Overlay upper and work directories cannot live on the guest's overlay root: the layer store and
# /var/tmp get tmpfs (/tmp is one already, see above), as on a host with plain filesystems there.
for d in /var/lib/containerj /var/tmp; do
  mkdir -p "$d" && mount -t tmpfs -o mode=1777 tmpfs "$d"
done
chmod 755 /var/lib/containerj

# --- cgroups: lane.slice/runner (root) and lane.slice/user.delegate/runner (the ordinary user) ---
ENABLE=""
AVAILABLE=" $(<"$CG/cgroup.controllers") "
for c in cpu memory io pids cpuset hugetlb; do
  [[ $AVAILABLE == *" $c "* ]] && ENABLE+=" +$c"
done
ENABLE=${ENABLE# }
echo "$ENABLE" >"$CG/cgroup.subtree_control"
mkdir -p "$CG/lane.slice/runner"
echo "$ENABLE" >"$CG/lane.slice/cgroup.subtree_control"
ROOTFUL_CG=$CG/lane.slice/runner

if ! LANE_UID=$(id -u "$LANE_USER") || ! LANE_GID=$(id -g "$LANE_USER"); then
  warn "no user $LANE_USER: the rootless run is skipped"
  LANE_ROOTLESS=0 LANE_UID=65534 LANE_GID=65534 RESULT=1
fi
DELEGATE=$CG/lane.slice/user.delegate
mkdir -p "$DELEGATE/runner"
# What the user's own service manager would enable below its delegated cgroup.
echo "$ENABLE" >"$DELEGATE/cgroup.subtree_control"
chown "$LANE_UID:$LANE_GID" "$DELEGATE"
while read -r f; do
  [[ -e $DELEGATE/$f ]] && chown "$LANE_UID:$LANE_GID" "$DELEGATE/$f"
done </sys/kernel/cgroup/delegate
# Below the delegation point everything is the user's, as if the user had created it.
chown -R "$LANE_UID:$LANE_GID" "$DELEGATE/runner"
ROOTLESS_CG=$DELEGATE/runner

# The rootless run's user must reach the JDK, the classes and the jars: open the directories on the
# way (in the guest's overlay only; the host is untouched).
ancestors=()
for p in "$LANE_ROOT" "$LANE_WORK/lib" "${LANE_JAVA%/*}"; do
  while [[ -n $p ]]; do ancestors+=("$p"); p=${p%/*}; done
done
chmod o+x "${ancestors[@]}" 2>/dev/null

# --- running one module's tests --------------------------------------------------------------------
words() { tr '\n' ' ' <<<"$1"; }

# shellcheck disable=SC2012
snapshot() {
  find "$CG" -mindepth 1 -type d | sort >"$1.cgroups"
  awk '{ print $5 }' /proc/self/mountinfo | sort >"$1.mounts"
  ls /sys/class/net | sort >"$1.links"
  ls /run/netns 2>/dev/null | sort >"$1.netns"
}

# Reports and removes what a test JVM left behind: cgroups (and their processes), mounts, links, netns.
check_leftovers() {
  local label=$1 before=$2 after=$3 cgroups procs x
  snapshot "$after"
  cgroups=$(comm -13 "$before.cgroups" "$after.cgroups")
  procs=$(cat "$4/cgroup.procs" 2>/dev/null; for x in $cgroups; do cat "$x/cgroup.procs" 2>/dev/null; done)
  if [[ -n $procs ]]; then
    leftover "$label: processes left behind: $(words "$procs")"
  fi
  if [[ -n $cgroups ]]; then
    leftover "$label: cgroups left behind: $(words "${cgroups//$CG/}")"
  fi
  for x in $4 $cgroups; do [[ -e $x/cgroup.kill ]] && echo 1 >"$x/cgroup.kill" 2>/dev/null; done
  for x in $(echo "$cgroups" | sort -r); do rmdir "$x" 2>/dev/null; done
  x=$(comm -13 "$before.mounts" "$after.mounts")
  if [[ -n $x ]]; then leftover "$label: mounts left behind: $(words "$x")"; fi
  x=$(comm -13 "$before.links" "$after.links")
  if [[ -n $x ]]; then leftover "$label: network links left behind: $(words "$x")"; fi
  for x in $x; do ip link del "$x" 2>/dev/null; done
  x=$(comm -13 "$before.netns" "$after.netns")
  if [[ -n $x ]]; then leftover "$label: network namespaces left behind: $(words "$x")"; fi
}

# The kernel's warnings since the last call (the console shows only errors: loglevel=4): an
# allocation failure (9p's large buffers, say) or an OOM kill explains a test failure that the
# test's own message cannot. Kept in the reports as kernel-RUN-MODULE.log; trouble is a warning.
kernel_trouble() {
  local label=$1 file x
  mkdir -p "$OUT/reports"
  file=$OUT/reports/kernel-${1//\//-}.log
  dmesg -c --level=emerg,alert,crit,err,warn >"$file" 2>/dev/null || return 0
  # Not the OOM kills that tests cause in their own memory-limited cgroups (CONSTRAINT_MEMCG).
  x=$(grep -E 'allocation failure|Out of memory: Killed|constraint=CONSTRAINT_NONE|9pnet|hung_task|BUG:|WARNING:' \
    "$file" | head -n 3)
  if [[ -n $x ]]; then warn "$label: kernel: $(words "$x") (all: ${file#"$OUT/reports/"})"; fi
  [[ -s $file ]] || rm -f "$file"
}

# run_module RUN MODULE TAGS CGROUP USER CWD HOME REPORTS
run_module() {
  local run=$1 m=$2 tags=$3 cg=$4 user=$5 cwd=$6 home=$7 reports=$8 left rc t0 drop=()
  local cp
  cp=$(cat "/lane/cp/$m")
  left=$((LANE_DEADLINE - $(uptime_s)))
  if ((left < 30)); then
    warn "$run/$m: not run, the lane's time is up (VM_LANE_TIMEOUT)"
    RESULT=1
    return
  fi
  [[ $user == root ]] || drop=(setpriv --reuid="$LANE_UID" --regid="$LANE_GID" --clear-groups --)
  local java=("$LANE_JAVA")
  # shellcheck disable=SC2206
  java+=($LANE_JVM_OPTS)
  [[ -n $LANE_CDS ]] && java+=(-XX:SharedArchiveFile="$LANE_CDS" -Xlog:cds=off -Xlog:cds+dynamic=off)
  java+=(-Dcontainerj.lane="$LANE_NAME")
  [[ -n $LANE_TMPDIR ]] && java+=(-Djava.io.tmpdir="$LANE_TMPDIR")
  [[ -n $LANE_SCRATCH ]] && java+=(-Dcontainerj.lane.scratchDevice="$LANE_SCRATCH")
  java+=(-jar "$LANE_LAUNCHER" execute --disable-banner --disable-ansi-colors
    --details="$LANE_DETAILS" --details-theme=ascii --exclude-engine=junit-vintage
    --class-path "$cp" --scan-class-path "$LANE_ROOT/$m/target/test-classes"
    --include-tag "$tags" --reports-dir "$reports")
  # A module with a class list (.ci/vm-lane.d/classes/) runs only those classes.
  [[ -s /lane/classes/$m ]] && java+=(--include-classname "$(cat "/lane/classes/$m")")
  local env=(env -i PATH="$PATH" LANG=C.UTF-8 HOME="$home" USER="$user" LOGNAME="$user"
    CONTAINERJ_LANE="$LANE_NAME")
  [[ -n $LANE_SCRATCH ]] && env+=(CONTAINERJ_LANE_SCRATCH_DEVICE="$LANE_SCRATCH")

  log "$run/$m: tests tagged '$tags' as $user in ${cg#"$CG"}"
  snapshot /run/lane.before
  t0=$(uptime_s)
  # timeout stays in PID 1's cgroup; the shell moves itself into the runner cgroup and becomes the
  # JVM, so the JVM is that cgroup's only process.
  # shellcheck disable=SC2016
  timeout -k 10 "$left" bash -c 'echo $$ >"$1/cgroup.procs" && cd "$2" && shift 2 && exec "$@"' \
    _ "$cg" "$cwd" "${drop[@]}" "${env[@]}" "${java[@]}" </dev/null
  rc=$?
  status "rc.$run.$m=$rc"
  status "seconds.$run.$m=$(($(uptime_s) - t0))"
  log "$run/$m: exit $rc after $(($(uptime_s) - t0))s, MemAvailable $(awk '/^MemAvailable/ { print int($2 / 1024) }' /proc/meminfo) MiB"
  kernel_trouble "$run/$m"
  ((rc == 124 || rc == 137)) && warn "$run/$m: the test JVM ran out of time (VM_LANE_TIMEOUT)"
  ((rc == 0)) || RESULT=1
  check_leftovers "$run/$m" /run/lane.before /run/lane.after "$cg"
}

dmesg -C 2>/dev/null  # boot messages are not the tests' business
t_run=$(uptime_s)
for m in $LANE_MODULES; do
  mkdir -p "$OUT/reports/rootful/$m"
  # A fresh runner cgroup per module: what one module's tests leave (a leaf they moved their JVM
  # into, controllers enabled below it) must not make the next JVM's cgroup "internal" (EBUSY).
  mkdir -p "$ROOTFUL_CG-$m"
  run_module rootful "$m" "$LANE_TAGS" "$ROOTFUL_CG-$m" root "$LANE_ROOT/$m" /root "$OUT/reports/rootful/$m"
done
status "seconds.rootful=$(($(uptime_s) - t_run))"

if [[ $LANE_ROOTLESS == 1 ]]; then
  t_run=$(uptime_s)
  for m in $LANE_ROOTLESS_MODULES; do
    # CI's rootless convention: a private working directory and HOME, no XDG_RUNTIME_DIR.
    home=$(mktemp -d "${LANE_TMPDIR:-/tmp}/rootless.XXXXXX")
    mkdir -p "$home/reports"
    chown -R "$LANE_UID:$LANE_GID" "$home"
    mkdir -p "$ROOTLESS_CG-$m"
    chown -R "$LANE_UID:$LANE_GID" "$ROOTLESS_CG-$m"
    run_module rootless "$m" "$LANE_ROOTLESS_TAGS" "$ROOTLESS_CG-$m" "$LANE_USER" "$home" "$home" "$home/reports"
    mkdir -p "$OUT/reports/rootless/$m"
    cp -r "$home/reports/." "$OUT/reports/rootless/$m/" 2>/dev/null
    rm -rf "$home"
  done
  status "seconds.rootless=$(($(uptime_s) - t_run))"
fi

status "result=$RESULT"
log "done, result $RESULT"
power_off
