#!/bin/sh
# Builds (once) a Debian root holding one PyTorch release, from Debian's own
# packages only, and prints its path. Used by `make torch-env TORCH=2.6` and by
# `make conformance TORCH=...`; CI builds the 2.14 root with it.
#
#   tools/torch-env.sh VERSION [ARCH]     VERSION: 2.6 (Debian 13, trixie) or
#                                         2.14 (Debian testing; built from sid,
#                                         which carries the same 2.14)
# The roots live outside the checkout, in $GRADEXP_TORCH_ROOTS (default
# /var/tmp/gradexp-torch). A root is complete once its .ready file exists;
# a failed build is removed and the script exits non-zero, loudly.
set -eu
ver=${1:?usage: tools/torch-env.sh VERSION [ARCH]}
arch=${2:-amd64}
base=${GRADEXP_TORCH_ROOTS:-/var/tmp/gradexp-torch}
case "$ver" in
  2.6) suite=trixie ;;
  2.14) suite=sid ;;
  *) echo "torch-env: no Debian release ships PyTorch $ver (have: 2.6, 2.14; 1.13 is the host's python3-torch)" >&2; exit 2 ;;
esac
root="$base/torch-$ver-$arch"
mount_proc() {
  mountpoint -q "$root/proc" 2>/dev/null || mount -t proc proc "$root/proc"
  mountpoint -q "$root/sys" 2>/dev/null || mount -t sysfs sysfs "$root/sys" 2>/dev/null || true
}
if [ -f "$root/.ready" ]; then
  mount_proc
  echo "$root"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "torch-env: building a Debian root needs root" >&2; exit 1; }
command -v debootstrap >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
extra=
if [ "$arch" != amd64 ]; then
  command -v qemu-aarch64-static >/dev/null 2>&1 || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null; }
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  extra="--arch=$arch"
fi
rm -rf "$root"
mkdir -p "$base"
fail() { echo "torch-env: building the PyTorch $ver root failed: $1 (log: $base/torch-$ver-$arch.log)" >&2
         umount "$root/proc" "$root/sys" 2>/dev/null || true; rm -rf "$root"; exit 1; }
log="$base/torch-$ver-$arch.log"
echo "torch-env: debootstrap $suite into $root (a few minutes)" >&2
# shellcheck disable=SC2086
debootstrap $extra --variant=minbase "$suite" "$root" >"$log" 2>&1 || fail debootstrap
mount_proc
chroot "$root" sh -c 'apt-get -o Acquire::Check-Valid-Until=false update &&
  DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y \
  --no-install-recommends python3-torch python3-numpy' >>"$log" 2>&1 || fail "apt-get install python3-torch"
got=$(chroot "$root" python3 -c 'import torch; print(torch.__version__)' 2>>"$log") || fail "import torch"
case "$got" in
  "$ver"|"$ver".*|"$ver"+*) ;;
  *) fail "it holds PyTorch $got, not $ver" ;;
esac
touch "$root/.ready"
echo "$root"
