#!/bin/sh
# Compiles the native helper for one architecture into the jar's resource folder
# <classes>/dev/containerj/namespaces/native/linux-<arch>/containerj-helper. The folder names are
# Arch.classifier() of container-linux, i.e. the kernel's names (uname -m): linux-x86_64 and
# linux-aarch64, never Java's os.arch (amd64).
#
#   build-helper.sh <x86_64|aarch64> <classes-dir> <source.c> <required: true|false>
#
# The host's own architecture is built with gcc; the other one with Debian's cross compiler
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
# -ffile-prefix-map: no build path in the binary, so two builds from different checkouts match.
exec "$cc" -std=gnu11 -Os -static -s -Wall -Wextra -Werror \
  "-ffile-prefix-map=$(dirname "$src")=." -o "$out/containerj-helper" "$src"
