#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs the Debian packages the tests use, builds with
# the Maven wrapper, runs every module's tests as root on the real kernel, runs the rootless subset
# again as the ordinary user `nobody`, runs the release check (.ci/release-check: two signed release
# builds compared, the Central bundle's layout, a consumer project), and then the pure cgroup v2 lane
# in QEMU (.ci/vm-lane). After each lane .ci/check-skips compares its skipped tests with the lane's
# list in .ci/skips/; after the host suite PIT mutation-tests the pure-Java packages against
# .ci/pit-thresholds.txt.
#
#   ./run-tests.sh            everything
#   SKIP_VM_LANE=1 ./run-tests.sh   without the QEMU lane
#
# NullAway checks the nullness annotations first (the `nullaway` Maven profile).
#
# Must run as root (the tests create namespaces, cgroups, mounts and network devices, and switch to
# `nobody` for the rootless lane). Everything a test creates is removed again.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" != 0 ]; then
  echo "run-tests.sh: run as root (try: sudo ./run-tests.sh)" >&2
  exit 2
fi

# Debian packages used by the tests: gcc + static libc and musl-tools (the native helper links musl:
# glibc's static start-up costs ~1 ms per container start on a VM), util-linux (runuser,
# unshare), iproute2 (tests read `ip` output), busybox-static (a tiny root filesystem), umoci and
# skopeo (OCI images built with real tools), uidmap (newuidmap), bubblewrap (compared in benchmarks),
# the aarch64 cross compiler (the jar carries both helpers) and qemu-user-static (runs the aarch64
# helper's protocol test), gnupg (a throwaway key signs the release check's bundle), docker-registry
# (the CNCF distribution server the pull tests run on 127.0.0.1) and apache2-utils (htpasswd with
# bcrypt for its basic auth), runc (the reference of the bench's cold-start rows), passt and
# slirp4netns (the rootless user-mode network), podman, conmon and containerd (OCI runtime clients).
packages=(gcc libc6-dev util-linux iproute2 procps busybox-static umoci skopeo uidmap bubblewrap
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static gnupg docker-registry apache2-utils runc
  passt slirp4netns podman conmon containerd musl-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-tests.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

start=$(date +%s)
echo "== NullAway (JSpecify mode) over the @NullMarked packages"
# About 45 s here (a plain compile takes about 10): Error Prone runs in a forked javac of JDK 22+
# (JSpecify mode needs its type-use annotations on symbols), still for release 17. Another JDK:
# NULLAWAY_JAVAC=/path/to/jdk/bin/javac.
nullaway_javac=${NULLAWAY_JAVAC:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/javac}
if [ ! -x "$nullaway_javac" ]; then
  echo "run-tests.sh: NullAway needs a JDK 22+ javac; none at $nullaway_javac (set NULLAWAY_JAVAC)" >&2
  exit 2
fi
./mvnw -B -ntp -Pnullaway -Dnullaway.javac="$nullaway_javac" -Dmaven.test.skip=true clean compile

echo "== host suite (root, real kernel)"
rm -rf ./*/target/surefire-reports target/rootless-reports
./mvnw -B -ntp verify
# Every skip must be declared in the lane's list (.ci/skips/LANE.txt), and every declared one must skip.
.ci/check-skips check host

echo "== mutation testing (PIT) of the pure-Java packages"
# Only the classes named by pit.targetClasses in the module poms, with the tests not tagged kernel;
# .ci/pit-check fails when a package scores below its threshold in .ci/pit-thresholds.txt.
# Its test JVMs get a temporary directory of their own: a mutant ended by its timeout leaves its
# @TempDir (fake cgroup trees) behind, which would pile up in /tmp run after run.
pit_tmp=$(mktemp -d /tmp/containerj-pit.XXXXXX)
trap 'rm -rf "$pit_tmp"' EXIT
./mvnw -B -ntp test-compile org.pitest:pitest-maven:mutationCoverage \
  -pl container-namespaces,container-cgroups,container-layers,container-net -am -Dpit.tmp="$pit_tmp"
rm -rf "$pit_tmp"
.ci/pit-check

echo "== rootless lane (as nobody)"
.ci/rootless-tests
.ci/check-skips check rootless

echo "== release check (two signed release builds compared, Central bundle layout, consumer project)"
.ci/release-check

if [ "${SKIP_VM_LANE:-0}" != 1 ] && [ -x .ci/vm-lane ]; then
  echo "== cgroup v2 lane (QEMU)"
  # Its default modules: those whose kernel tests depend on the kernel and the cgroup version.
  .ci/vm-lane
  .ci/check-skips check vm-rootful
  .ci/check-skips check vm-rootless
fi
echo "run-tests.sh: all lanes passed in $(( $(date +%s) - start )) s"
