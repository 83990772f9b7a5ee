#!/bin/sh
# Builds (once) a Debian root holding one PyTorch release, from Debian's own
# packages only, and prints its path. Used by `make torch-env TORCH=2.6` and by
# `make conformance TORCH=...`; CI builds the 2.14 root with it.
#
#   tools/torch-env.sh VERSION [ARCH]     VERSION: 2.6 (Debian 13, trixie) or
#                                         2.14 (Debian testing; built from sid,
#                                         which carries the same 2.14), or none
#                                         (Debian 13 without PyTorch, with what
#                                         `make test` needs: tools/arm64-test.sh)
#                                         ARCH: amd64 (the default, this
#                                         machine's own) or arm64 (aarch64,
#                                         run through qemu-user-static)
# The roots live outside the checkout, in $GRADEXP_TORCH_ROOTS (default
# /var/tmp/gradexp-torch), as torch-VERSION-ARCH. A root is complete once its
# .ready file exists; a failed build is removed and the script exits non-zero,
# loudly. An arm64 root also holds gcc, libc6-dev, make, libcmocka-dev and jq (gradexp
# builds and tests inside it), and is built at the lowest CPU and I/O
# priority: emulated, its install takes about 40 minutes.
set -eu
ver=${1:?usage: tools/torch-env.sh VERSION [ARCH]}
arch=${2:-amd64}
base=${GRADEXP_TORCH_ROOTS:-/var/tmp/gradexp-torch}
case "$ver" in
  2.6) suite=trixie ;;
  2.14) suite=sid ;;
  none) suite=trixie ;; # no PyTorch: a root to build and test gradexp in (tools/arm64-test.sh)
  *) echo "torch-env: no Debian release ships PyTorch $ver (have: 2.6, 2.14; 1.13 is the host's python3-torch)" >&2; exit 2 ;;
esac
case "$arch" in
  amd64) ;;
  arm64) qemu=aarch64 ;;
  *) echo "torch-env: no root for architecture $arch (have: amd64, arm64)" >&2; exit 2 ;;
esac
root="$base/torch-$ver-$arch"
# A foreign root runs through binfmt_misc; its registration does not survive
# a reboot, so it is checked every time. The F flag (Debian's default) lets a
# chroot use the host's qemu without a copy of it inside.
binfmt() {
  [ -e /proc/sys/fs/binfmt_misc/register ] ||
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  [ -e "/proc/sys/fs/binfmt_misc/qemu-$qemu" ] || update-binfmts --enable "qemu-$qemu" >/dev/null 2>&1 || true
  grep -qx enabled "/proc/sys/fs/binfmt_misc/qemu-$qemu" 2>/dev/null || {
    echo "torch-env: qemu-$qemu is not registered with binfmt_misc (as root: apt-get install qemu-user-static binfmt-support; update-binfmts --enable qemu-$qemu)" >&2
    exit 1; }
}
mount_proc() {
  mountpoint -q "$root/proc" 2>/dev/null || mount -t proc proc "$root/proc"
  mountpoint -q "$root/sys" 2>/dev/null || mount -t sysfs sysfs "$root/sys" 2>/dev/null || true
}
if [ -f "$root/.ready" ]; then
  [ "$arch" = amd64 ] || binfmt
  mount_proc
  echo "$root"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "torch-env: building a Debian root needs root" >&2; exit 1; }
command -v debootstrap >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
extra=
slow=
pkgs="python3-torch python3-numpy"
took="a few minutes"
if [ "$arch" != amd64 ]; then
  { command -v "qemu-$qemu-static" >/dev/null 2>&1 && command -v update-binfmts >/dev/null 2>&1; } || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null 2>&1 ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null; }; }
  binfmt
  extra="--arch=$arch"
  slow="nice -n 19 ionice -c3"
  pkgs="$pkgs gcc libc6-dev make libcmocka-dev jq"
  took="emulated: about 40 minutes"
fi
if [ "$ver" = none ]; then
  # what `make test` uses besides the build (tools/arm64-test.sh installs the same list)
  pkgs="gcc libc6-dev make libcmocka-dev jq python3 zsh bash-completion groff-base mandoc man-db"
  took="emulated: about 20 minutes"
fi
rm -rf "$root"
mkdir -p "$base"
fail() { echo "torch-env: building the PyTorch $ver root failed: $1 (log: $base/torch-$ver-$arch.log)" >&2
         umount "$root/proc" "$root/sys" 2>/dev/null || true; rm -rf "$root"; exit 1; }
log="$base/torch-$ver-$arch.log"
echo "torch-env: debootstrap $suite into $root ($took)" >&2
# shellcheck disable=SC2086
if ! $slow debootstrap $extra --variant=minbase "$suite" "$root" >"$log" 2>&1; then
  [ "$arch" != amd64 ] || fail debootstrap
  # Foreign root whose second stage would not run in one go: the two stages
  # by hand, with qemu copied in.
  echo "torch-env: one-stage debootstrap failed; trying --foreign" >>"$log"
  rm -rf "$root"
  $slow debootstrap $extra --foreign --variant=minbase "$suite" "$root" >>"$log" 2>&1 || fail "debootstrap --foreign"
  cp "/usr/bin/qemu-$qemu-static" "$root/usr/bin/" || fail "copying qemu-$qemu-static"
  $slow chroot "$root" /debootstrap/debootstrap --second-stage >>"$log" 2>&1 || fail "debootstrap --second-stage"
fi
mount_proc
# shellcheck disable=SC2086
$slow chroot "$root" sh -c "apt-get -o Acquire::Check-Valid-Until=false update &&
  DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y \\
  --no-install-recommends $pkgs" >>"$log" 2>&1 || fail "apt-get install $pkgs"
if [ "$ver" != none ]; then
  got=$($slow chroot "$root" python3 -c 'import torch; print(torch.__version__)' 2>>"$log") || fail "import torch"
  case "$got" in
    "$ver"|"$ver".*|"$ver"+*) ;;
    *) fail "it holds PyTorch $got, not $ver" ;;
  esac
fi
touch "$root/.ready"
echo "$root"
