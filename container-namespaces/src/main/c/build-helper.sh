#!/bin/sh
# Compiles the native helper for one architecture into the jar's resource folder
# <classes>/dev/containerj/namespaces/native/linux-<arch>/containerj-helper. The folder names are
# Arch.classifier() of container-linux, i.e. the kernel's names (uname -m): linux-x86_64 and
# linux-aarch64, never Java's os.arch (amd64).
#
#   build-helper.sh <x86_64|aarch64> <classes-dir> <source.c> <required: true|false>
#
# The host's own architecture is built with musl-gcc (gcc where musl-tools is missing); the other
# one with Debian's cross compiler
# (<arch>-linux-gnu-gcc, packages gcc-<arch>-linux-gnu and libc6-dev-<debarch>-cross). A missing
# cross compiler is a warning in a development build and an error when required is true (the
# release profile): a published jar must carry both helpers.
set -eu
arch=$1 classes=$2 src=$3 required=$4
out="$classes/dev/containerj/namespaces/native/linux-$arch"
case "$arch" in
  x86_64) debarch=amd64 ;;
  aarch64) debarch=arm64 ;;
  *) echo "build-helper.sh: unknown architecture $arch" >&2; exit 2 ;;
esac
if [ "$(uname -m)" = "$arch" ]; then
  cc=gcc
else
  cc="$arch-linux-gnu-gcc"
  if ! command -v "$cc" >/dev/null 2>&1; then
    if [ "$required" = true ]; then
      echo "build-helper.sh: $cc not found: a release jar must carry the $arch helper;" \
        "install gcc-$arch-linux-gnu and libc6-dev-$debarch-cross" >&2
      exit 1
    fi
    echo "[WARNING] build-helper.sh: $cc not found: the jar gets no linux-$arch helper" \
      "(install gcc-$arch-linux-gnu and libc6-dev-$debarch-cross)" >&2
    exit 0
  fi
fi
mkdir -p "$out"
# The host's architecture links musl (musl-gcc, Debian package musl-tools) where it is installed:
# glibc's static start-up probes the CPU with `cpuid` (cache sizes, features, ifunc resolution),
# which traps to the hypervisor on a VM: about 0.6 ms of CPU in every helper exec on the reference
# machine, against 0.06 ms for the same helper linked with musl (docs/architecture.md, "Start,
# fourth pass"). musl-gcc searches only musl's headers, so the kernel's uapi headers (linux/, asm/,
# asm-generic/) are added after them through a folder of links next to the classes. The cross build
# and a host without musl-gcc link glibc as before (a warning; an error when required is true).
inc=
if [ "$cc" = gcc ]; then
  if command -v musl-gcc >/dev/null 2>&1; then
    multiarch=$(gcc -print-multiarch)
    inc="$classes/../helper-uapi-include"
    mkdir -p "$inc"
    ln -sfn /usr/include/linux "$inc/linux"
    ln -sfn /usr/include/asm-generic "$inc/asm-generic"
    ln -sfn "/usr/include/$multiarch/asm" "$inc/asm"
    cc=musl-gcc
  elif [ "$required" = true ]; then
    echo "build-helper.sh: musl-gcc not found: a release jar's $arch helper links musl;" \
      "install musl-tools" >&2
    exit 1
  else
    echo "[WARNING] build-helper.sh: musl-gcc not found: the $arch helper links glibc, whose" \
      "static start-up costs about 1 ms more per container start on a VM (install musl-tools)" >&2
  fi
fi
# -ffile-prefix-map: no build path in the binary, so two builds from different checkouts match.
exec "$cc" -std=gnu11 -Os -static -s -Wall -Wextra -Werror ${inc:+-idirafter "$inc"} \
  "-ffile-prefix-map=$(dirname "$src")=." -o "$out/containerj-helper" "$src"
