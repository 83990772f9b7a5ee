#!/bin/sh
# Builds gradexp and runs `make test` natively on aarch64: inside an arm64
# Debian root (its own gcc and libc, under qemu-user), on a copy of this
# checkout's tracked files as they are now. There the x86 SIMD paths are
# compiled out, `--cpu native` is neon, and every other family is computed
# by the portable code, so the golden corpora check that it prints the x86
# build's bytes.
#
#   tools/arm64-test.sh [ROOT]     ROOT: none (the default: a Debian 13 root
#                                  without PyTorch, built once by
#                                  tools/torch-env.sh none arm64), 2.6 or 2.14
#                                  (the conformance roots)
# `make test-arm64` runs it.
set -eu
cd "$(dirname "$0")/.."
root=$(sh tools/torch-env.sh "${1:-none}" arm64)
pkgs="gcc libc6-dev make libcmocka-dev jq python3 zsh bash-completion groff-base mandoc man-db"
# shellcheck disable=SC2086
chroot "$root" sh -c "dpkg -s $pkgs >/dev/null 2>&1 || {
  apt-get -o Acquire::Check-Valid-Until=false update -qq &&
  DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Check-Valid-Until=false install -y -qq \
    --no-install-recommends $pkgs >/dev/null; }" || { echo "arm64-test: installing $pkgs in $root failed" >&2; exit 1; }
# the completion and colour checks drive a pseudo-terminal: the root gets
# the host's /dev/pts (its /dev/ptmx then opens there) while the tests run
if ! mountpoint -q "$root/dev/pts"; then
  mount --bind /dev/pts "$root/dev/pts" || { echo "arm64-test: cannot mount $root/dev/pts" >&2; exit 1; }
  trap 'umount "$root/dev/pts" 2>/dev/null || true' EXIT
fi
dir=/tmp/gradexp-test
rm -rf "${root:?}$dir"
mkdir -p "$root$dir"
git ls-files -z | xargs -0 tar cf - | tar xf - -C "$root$dir"
# Chromium is not installed in the root (emulated, its install and start-up
# would double the run): without it the render checks say SKIP; the figures'
# bytes are still compared with the x86 build's (tests/run_examples.sh).
skip=
chroot "$root" sh -c 'command -v chromium' >/dev/null 2>&1 ||
  skip="no chromium in the arm64 root; run_examples.sh compares the figures' SVG bytes with the x86 build's"
# the binaries first, on every core (emulated gcc is the slow part), then
# the README's test command as it is
chroot "$root" env GRADEXP_RENDER_SKIP="$skip" GRADEXP_PTY_TIMEOUT=120 sh -c \
  "cd $dir && echo \"arm64-test: \$(uname -m), \$(gcc --version | head -1)\" &&
   make -s -j\$(nproc) gradexp \$(ls tests/test_*.c | sed 's/[.]c\$//') && make test"
