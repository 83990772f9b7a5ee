#!/bin/sh
# Regenerates tests/data/log1pf_cr.txt from the correctly rounded log1pf of
# glibc 2.41 (the Debian 13 root that holds PyTorch 2.6: tools/torch-env.sh).
set -eu
cd "$(dirname "$0")/.."
root=$(sh tools/torch-env.sh 2.6)
cc -O2 -fno-builtin -o "$root/tmp/gen_log1pf_golden" tests/gen_log1pf_golden.c -lm
chroot "$root" /tmp/gen_log1pf_golden >tests/data/log1pf_cr.txt
rm -f "$root/tmp/gen_log1pf_golden"
echo "tests/data/log1pf_cr.txt: $(wc -l <tests/data/log1pf_cr.txt) values from $(chroot "$root" ldd --version | head -1)"
