#!/bin/sh
# Renders gradexp's figures (--plot, --format html) in headless chromium and
# checks the pixels: tests/render_check.py. Needs chromium and the DejaVu
# fonts: installed when missing and we are root with apt-get (as the
# Makefile's deps target does for cmocka), otherwise the command to run.
#
# Usage: sh tests/run_render.sh [GRADEXP] [render_check.py options]
#   GRADEXP   the binary to test (default ./gradexp)
#   RENDER_OUT=DIR keeps the SVGs, PNGs and HTML in DIR (default:
#   build/render, emptied first; named at the end of the output, for a
#   person to look at)
set -u
exe=${1:-./gradexp}
[ $# -gt 0 ] && shift
here=$(dirname "$0")
pkgs="chromium fonts-dejavu-core"

# GRADEXP_RENDER_SKIP=REASON skips the checks, saying so (tools/arm64-test.sh
# sets it in an arm64 root without chromium, where chromium would only run
# emulated: the figures' bytes there are compared with the x86 build's by
# tests/run_examples.sh, and those bytes are rendered here on x86)
if [ -n "${GRADEXP_RENDER_SKIP:-}" ]; then
	echo "SKIP: render checks: $GRADEXP_RENDER_SKIP"
	exit 0
fi

have_chromium() {
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
		command -v google-chrome >/dev/null 2>&1
}

if ! have_chromium || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing $pkgs"
		# waits for a dpkg lock held by another apt run instead of failing
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq $pkgs >/dev/null 2>&1 ||
			{ apt-get -o DPkg::Lock::Timeout=600 update -qq &&
			  apt-get -o DPkg::Lock::Timeout=600 install -y -qq $pkgs >/dev/null; } ||
			{ echo "run_render.sh: installing $pkgs failed" >&2; exit 1; }
	else
		echo "the render checks need chromium: run 'sudo apt-get install -y $pkgs'" >&2
		exit 1
	fi
fi

py=$(command -v python3 2>/dev/null || echo /usr/bin/python3)
out=${RENDER_OUT:-build/render}
[ -n "${RENDER_OUT:-}" ] || rm -rf "$out"
mkdir -p "$out" || exit 1
exec "$py" "$here/render_check.py" --gradexp "$exe" --out "$out" "$@"
