#!/bin/sh
# Regenerates the libm golden data of tests/test_libm.c:
#  - tests/data/log1pf_cr.txt from glibc 2.41's correctly rounded log1pf, in
#    the Debian 13 root that holds PyTorch 2.6 (tools/torch-env.sh);
#  - tests/data/expf_glibc_fma.txt from the host glibc's expf, which must be
#    its FMA build (__expf_fma: an x86-64 CPU with AVX2 and FMA).
set -eu
cd "$(dirname "$0")/.."
grep -qw fma /proc/cpuinfo || { echo "gen_libm_golden: this CPU has no FMA: glibc would not run __expf_fma" >&2; exit 1; }
root=$(sh tools/torch-env.sh 2.6)
cc -O2 -fno-builtin -o "$root/tmp/gen_libm_golden" tests/gen_libm_golden.c -lm
chroot "$root" /tmp/gen_libm_golden log1pf >tests/data/log1pf_cr.txt
"$root/tmp/gen_libm_golden" expf >tests/data/expf_glibc_fma.txt
rm -f "$root/tmp/gen_libm_golden"
echo "log1pf_cr.txt: $(wc -l <tests/data/log1pf_cr.txt) values from $(chroot "$root" ldd --version | head -1)"
echo "expf_glibc_fma.txt: $(wc -l <tests/data/expf_glibc_fma.txt) values from $(ldd --version | head -1)"
