#!/bin/sh
# Shell completion: completions/gradexp.bash (bash) and completions/_gradexp
# (zsh), tested three ways.
#
#  1. bash, unit: the script sourced in `bash --norc --noprofile`, with and
#     without bash-completion's bash_completion loaded; COMP_WORDS,
#     COMP_CWORD, COMP_LINE and COMP_POINT set as bash sets them (the line
#     split at COMP_WORDBREAKS) and COMPREPLY compared exactly.
#  2. As a user sees it: an interactive bash and `zsh -f` in a pseudo-terminal
#     (python3's pty module), with a temporary HOME and a dummy gradexp on
#     PATH that prints its arguments. Keys are typed, TAB included; a listing
#     is read off the terminal, a completed word from the arguments the dummy
#     got after Enter. bash three times: the script sourced by the rc file,
#     with and without bash_completion, and installed under a staged
#     PREFIX/share/bash-completion/completions, where bash-completion's
#     loader finds it by itself (staged by `make install DESTDIR=...` once the
#     Makefile installs the completions, make uninstall checked too). zsh with
#     completions/ on $fpath and compinit.
#  3. Against the real binary: every long flag `gradexp --help` names is
#     completed by bash after `--`, is in _gradexp and in zsh's listing of
#     `gradexp --`; --torch and --cpu complete what `gradexp --version` lists.
#
# Usage (from the repository root, after make): sh tests/run_completion.sh [GRADEXP]
# GRADEXP defaults to ./gradexp; VERBOSE=1 lists every check. Prints
# "completion: N passed, M failed" and exits 1 when a check failed. Without
# zsh, bash-completion or python3 their checks are skipped with a SKIP: line
# (apt-get install zsh bash-completion python3). Takes about a second.

set -u
bin=${1:-./gradexp}
root=$(pwd)
bscript=$root/completions/gradexp.bash
zscript=$root/completions/_gradexp
bashcomp=/usr/share/bash-completion/bash_completion

if [ ! -f "$bscript" ] || [ ! -f "$zscript" ]; then
  echo "run_completion.sh: run from the repository root (no completions/ here)" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gradexp-completion.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# tally FILE: counts the "ok ..." and "FAIL: ..." lines a part wrote; prints
# every other line (failures, SKIP:, notes), and the ok lines too when
# VERBOSE is set.
tally() {
  n=$(grep -c '^ok ' "$1")
  m=$(grep -c '^FAIL: ' "$1")
  pass=$((pass + n))
  fail=$((fail + m))
  if [ -n "${VERBOSE:-}" ]; then cat "$1"; else grep -v '^ok ' "$1"; fi
}

# --- the files a completion sees -------------------------------------------
files=$tmp/files
mkdir -p "$files/sub" "$tmp/home" "$tmp/dummy"
: >"$files/a.npy"
: >"$files/b.txt"
: >"$files/w.safetensors"
: >"$files/p.svg"
: >"$files/sub/x.npy"
# The dummy gradexp the interactive shells run.
printf '%s\n' '#!/bin/sh' 'printf "ARGS[%s]\n" "$*"' >"$tmp/dummy/gradexp"
chmod +x "$tmp/dummy/gradexp"

# A staged install, DESTDIR=$tmp/stage PREFIX=/usr: by the Makefile once it
# installs the completions (BASHCOMPDIR), else by copying where it will.
stage=$tmp/stage
bdir=$stage/usr/share/bash-completion/completions
zdir=$stage/usr/share/zsh/site-functions
if grep -q '^BASHCOMPDIR' Makefile 2>/dev/null; then
  if ${MAKE:-make} -s install DESTDIR="$stage" PREFIX=/usr >"$tmp/make.out" 2>&1; then
    if cmp -s "$bscript" "$bdir/gradexp"; then ok; else bad "make install: no $bdir/gradexp"; fi
    if cmp -s "$zscript" "$zdir/_gradexp"; then ok; else bad "make install: no $zdir/_gradexp"; fi
    if ${MAKE:-make} -s uninstall DESTDIR="$stage" PREFIX=/usr >"$tmp/make.out" 2>&1 &&
      [ ! -e "$bdir/gradexp" ] && [ ! -e "$zdir/_gradexp" ]; then
      ok
    else
      bad "make uninstall leaves the completions: $(cat "$tmp/make.out")"
    fi
  else
    bad "make install DESTDIR=$stage PREFIX=/usr: $(cat "$tmp/make.out")"
  fi
else
  echo "note: the Makefile does not install the completions yet (completions/INSTALL-NOTES.md)"
fi
mkdir -p "$bdir"
cp "$bscript" "$bdir/gradexp"

# --- what the real binary says ----------------------------------------------
: >"$tmp/flags"
releases=
cpus=
if [ -x "$bin" ] && "$bin" --help >"$tmp/help" 2>&1; then
  # every --name in the help text, in the flag column or not
  tr -c 'a-z0-9-' '\n' <"$tmp/help" | grep -- '^--[a-z]' | sort -u >"$tmp/flags"
  n=$(wc -l <"$tmp/flags")
  if [ "$n" -ge 20 ]; then ok; else bad "$bin --help names only $n long flags"; fi
  "$bin" --version >"$tmp/version" 2>&1
  releases=$(sed -n 's/^PyTorch releases: *//p' "$tmp/version" | sed 's/ *(.*//')
  cpus=$(sed -n 's/^CPU kernels: *//p' "$tmp/version" | sed 's/ *(.*//')
  [ -n "$cpus" ] && cpus="$cpus native"
  [ -n "$releases" ] || echo "SKIP: no 'PyTorch releases:' line in $bin --version"
  [ -n "$cpus" ] || echo "SKIP: no 'CPU kernels:' line in $bin --version"
else
  bad "$bin --help failed: build it first (make), or pass its path"
fi

# Every flag of the binary is in _gradexp (as a word of its own).
while IFS= read -r f; do
  if grep -Eq -- "(^|[^a-z0-9-])$f([^a-z0-9-]|\$)" "$zscript"; then ok; else bad "_gradexp lacks $f"; fi
done <"$tmp/flags"

# _gradexp's releases and kernel families are --version's.
if [ -n "$releases" ]; then
  z=$(sed -n 's/^releases=(\(.*\))$/\1/p' "$zscript")
  if [ "$z" = "$releases" ]; then ok; else bad "_gradexp releases ($z), --version ($releases)"; fi
fi
for c in $cpus; do
  if grep -q "^local cpu=.*[(' ]$c\\\\:" "$zscript"; then ok; else bad "_gradexp --cpu lacks $c"; fi
done

# Both scripts parse.
if bash -n "$bscript"; then ok; else bad "bash -n $bscript"; fi
if command -v zsh >/dev/null 2>&1; then
  if zsh -n "$zscript"; then ok; else bad "zsh -n $zscript"; fi
fi

# --- 1. bash, unit ------------------------------------------------------------
cat >"$tmp/unit.bash" <<'EOF'
# bash unit.bash MODE SCRIPT FLAGS RELEASES CPUS BASH_COMPLETION (in the files directory)
mode=$1 script=$2 flagsfile=$3 releases=$4 cpus=$5 bashcomp=$6
if [[ $mode == bash-completion ]]; then
  # shellcheck disable=SC1090
  . "$bashcomp"
  declare -F _init_completion >/dev/null || echo "FAIL: [$mode] no _init_completion"
fi
# shellcheck disable=SC1090
. "$script"
declare -F _gradexp >/dev/null || { echo "FAIL: [$mode] $script defines no _gradexp"; exit 0; }
[[ $(complete -p gradexp 2>/dev/null) == "complete -F _gradexp gradexp" ]] &&
  echo "ok [$mode] complete -F _gradexp gradexp" ||
  echo "FAIL: [$mode] complete -p gradexp: $(complete -p gradexp 2>&1)"

# splitline LINE: sets words to LINE split as bash splits it: at blanks and at
# COMP_WORDBREAKS (a run of break characters is a word of its own), an empty
# last word after a blank.
splitline() {
  local line=$1 i c w="" wb=${COMP_WORDBREAKS//[[:space:]]/}
  words=()
  for ((i = 0; i < ${#line}; i++)); do
    c=${line:i:1}
    if [[ $c == [[:space:]] ]]; then
      [[ -n $w ]] && words+=("$w")
      w=
    elif [[ $wb == *"$c"* ]]; then
      [[ -n $w && $wb != *"${w: -1}"* ]] && { words+=("$w"); w=; }
      w+=$c
    else
      [[ -n $w && $wb == *"${w: -1}"* ]] && { words+=("$w"); w=; }
      w+=$c
    fi
  done
  words+=("$w")
}

# comp LINE [POINT]: completes LINE with the cursor at POINT (default: its
# end), calling _gradexp as bash would.
comp() {
  local line=$1 point=${2:-${#1}} words
  splitline "${line:0:point}"
  COMP_CWORD=$((${#words[@]} - 1))
  splitline "$line"
  COMP_WORDS=("${words[@]}")
  COMP_LINE=$line
  COMP_POINT=$point
  COMP_TYPE=9 COMP_KEY=9
  COMPREPLY=()
  _gradexp gradexp "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
}

# expect LINE WORD...: COMPREPLY is exactly WORD..., in this order.
# expect_set LINE WORD...: the same in any order (file names).
report() {
  local line=$1 got=$2 want=$3
  if [[ $got == "$want" ]]; then
    echo "ok [$mode] '$line'"
  else
    echo "FAIL: [$mode] '$line': want (${want//$'\n'/ }), got (${got//$'\n'/ })"
  fi
}
expect() {
  local line=$1 IFS=$'\n'
  shift
  comp "$line"
  report "$line" "${COMPREPLY[*]}" "$*"
}
expect_set() {
  local line=$1 IFS=$'\n' got want
  shift
  comp "$line"
  got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort)
  want=$(printf '%s\n' "$@" | LC_ALL=C sort)
  report "$line" "$got" "$want"
}

# the splitting itself, as bash does it
comp 'gradexp --loss=so'
[[ ${#COMP_WORDS[@]} == 4 && ${COMP_WORDS[2]} == = && $COMP_CWORD == 3 ]] &&
  echo "ok [$mode] split" || echo "FAIL: [$mode] split: ${COMP_WORDS[*]}"

expect 'gradexp --loss ' sigmoid softmax bce all
# the cursor inside the line: only what is before it counts
comp 'gradexp --fo --seed 1' 12
report 'gradexp --fo| --seed 1' "${COMPREPLY[*]}" --format
comp 'gradexp --loss sxyz --stable' 16
report 'gradexp --loss s|xyz --stable' "${COMPREPLY[*]}" "sigmoid softmax"
expect 'gradexp --loss=' sigmoid softmax bce all
expect 'gradexp --loss=so' softmax
expect 'gradexp --loss s' sigmoid softmax
expect 'gradexp --loss sigmoid,s' sigmoid,softmax
expect 'gradexp --loss sigmoid,' sigmoid,softmax sigmoid,bce sigmoid,all
expect 'gradexp --loss=bce,softmax,' bce,softmax,sigmoid bce,softmax,all
expect 'gradexp --loss sigmoid,softmax,bce,all,'
expect 'gradexp --cpu a' avx2 avx512
expect 'gradexp --cpu ' default avx2 avx512 neon native
expect 'gradexp --rng=n' neon native
expect 'gradexp --cpu=ne' neon
expect 'gradexp --fo' --format
expect 'gradexp --loss all --fo' --format
expect 'gradexp --no-abs --lo' --loss
expect 'gradexp --format ' torch json html
expect 'gradexp --format=j' json
expect 'gradexp --sci-mode ' auto on off
expect 'gradexp --act ' relu tanh sigmoid
expect 'gradexp --act=t' tanh
expect 'gradexp --torch 2.1' 2.1 2.10 2.11 2.12 2.13 2.14
expect 'gradexp --torch=1' 1.13
expect 'gradexp --show x,' x,w x,h x,z x,p x,loss x,grad x,all
expect 'gradexp --show=x,w,loss,' x,w,loss,h x,w,loss,z x,w,loss,p x,w,loss,grad x,w,loss,all
expect 'gradexp --show l' loss
expect 'gradexp --plot-scale ' shared each
expect 'gradexp --color=' auto always never
expect 'gradexp --colour=al' always
expect 'gradexp --color --ex' --explain
expect 'gradexp --col' --color --colour
expect 'gradexp --seed '
expect 'gradexp --classes='
expect 'gradexp --steps 1'
expect 'gradexp --target 1,'
expect 'gradexp --stable='
expect 'gradexp x'
expect 'gradexp -h' -h
expect 'gradexp -V' -V
comp 'gradexp '
[[ " ${COMPREPLY[*]} " == *" -h "* && " ${COMPREPLY[*]} " == *" -V "* && ${#COMPREPLY[@]} -ge 30 ]] &&
  echo "ok [$mode] 'gradexp ' offers the flags" || echo "FAIL: [$mode] 'gradexp ': ${COMPREPLY[*]}"
expect_set 'gradexp --input ' a.npy sub w.safetensors
expect_set 'gradexp --input=' a.npy sub w.safetensors
expect_set 'gradexp --input w' w.safetensors
expect_set 'gradexp --input sub/' sub/x.npy
expect_set 'gradexp --weights ' a.npy sub w.safetensors
expect_set 'gradexp --weights a.npy,' a.npy,a.npy a.npy,sub/ a.npy,w.safetensors
expect_set 'gradexp --weights=a.npy,sub/' a.npy,sub/x.npy
expect_set 'gradexp --config ' a.npy b.txt p.svg sub w.safetensors
expect_set 'gradexp --config b' b.txt
expect_set 'gradexp --save ' sub
expect_set 'gradexp --save=s' sub
expect_set 'gradexp --plot ' p.svg sub

# against the binary
comp 'gradexp --'
all=" ${COMPREPLY[*]} "
while IFS= read -r f; do
  [[ $all == *" $f "* ]] && echo "ok [$mode] $f" || echo "FAIL: [$mode] 'gradexp --' does not offer $f"
done <"$flagsfile"
if [[ $mode == plain && -s $flagsfile ]]; then
  extra=
  for f in "${COMPREPLY[@]}"; do grep -qx -- "$f" "$flagsfile" || extra+=" $f"; done
  [[ -z $extra ]] || echo "note: offered, but not in the binary's --help:$extra"
fi
# shellcheck disable=SC2086 # the lists are split into words on purpose
[[ -n $releases ]] && expect 'gradexp --torch ' $releases
# shellcheck disable=SC2086
[[ -n $cpus ]] && expect 'gradexp --cpu=' $cpus
EOF

if command -v bash >/dev/null 2>&1; then
  for mode in plain bash-completion; do
    if [ "$mode" = bash-completion ] && [ ! -f "$bashcomp" ]; then
      echo "SKIP: bash with bash-completion: no $bashcomp (apt-get install bash-completion)"
      continue
    fi
    (cd "$files" && bash --norc --noprofile "$tmp/unit.bash" "$mode" "$bscript" \
      "$tmp/flags" "$releases" "$cpus" "$bashcomp") >"$tmp/unit.out" 2>&1
    tally "$tmp/unit.out"
  done
else
  bad "no bash"
fi

# --- 2. interactive shells in a pseudo-terminal --------------------------------
cat >"$tmp/ptydrive.py" <<'EOF'
"""ptydrive.py SCENARIO ROOT TMP SHELL [BASH_COMPLETION]: types into a
shell in a pseudo-terminal.

Each check prints "ok ..." or "FAIL: ...". Output is polled (select) until
what is awaited shows up, up to TIMEOUT seconds; no fixed sleeps.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

# seconds to wait for a prompt or a listing; GRADEXP_PTY_TIMEOUT raises it
# where the shells run emulated (tools/arm64-test.sh: zsh's compinit alone
# takes over 10 s under qemu-user)
TIMEOUT = float(os.environ.get("GRADEXP_PTY_TIMEOUT") or 10.0)
scenario, root, tmp, shell_path = sys.argv[1:5]
bashcomp = sys.argv[5] if len(sys.argv) > 5 else ""
files = os.path.join(tmp, "files")
flags = [l.strip() for l in open(os.path.join(tmp, "flags")) if l.strip()]
# cursor movements become line breaks (zsh redraws the line below a listing
# by moving there), other escape sequences go
MOVE = re.compile(r"\x1b\[[0-9;]*[A-HJf]")
ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")
PROMPT = "READY> "


def clean(data):
    text = ANSI.sub("", MOVE.sub("\n", data.decode("utf-8", "replace")))
    return re.sub(r"[\r\x07\x08]", "", text)


class Shell:
    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 160, 0, 0))
                os.chdir(files)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.raw = b""
        self.mark = 0
        self.eof = False

    def text(self):
        return clean(self.raw[self.mark:])

    def send(self, keys):
        self.mark = len(self.raw)
        os.write(self.fd, keys.encode())

    def wait(self, done, timeout=TIMEOUT):
        """Reads until done(text since mark) is true; returns it or None."""
        end = time.monotonic() + timeout
        while True:
            text = self.text()
            if done(text):
                return text
            left = end - time.monotonic()
            if left <= 0 or self.eof:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    self.eof = True
                self.raw += data

    def close(self):
        try:
            self.send("exit\r")
            self.wait(lambda t: False, timeout=2)
        except OSError:
            pass
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid == 0:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def tail(text):
    text = text or ""
    return repr(text[-400:])


def words_in(text, words):
    toks = set(text.split())
    return all(w in toks for w in words)


def any_in(text, words):
    toks = set(text.split())
    return any(w in toks for w in words)


class Run:
    def __init__(self, name, shell):
        self.name, self.sh = name, shell

    def result(self, good, what, text):
        if good:
            print("ok [%s] %s" % (self.name, what))
        else:
            print("FAIL: [%s] %s; the terminal showed %s" % (self.name, what, tail(text)))

    def prompt(self):
        """Empties the line (^U), Enter, and waits for the next prompt. (Not
        ^C: a SIGINT while the completion widget still runs may abort only
        the widget.)"""
        self.sh.send("\x15\r")
        return self.sh.wait(lambda t: PROMPT in t) is not None

    def listing(self, keys, words, absent=(), line=None):
        """Types keys (ending in TAB); below the echo of the line a listing
        shows every word and none of absent, and the line is drawn again
        below the listing."""
        line = (line or keys).rstrip("\t ")

        def listed(t):
            first, last = t.find(line), t.rfind(line)
            return t[first + len(line):last] if 0 <= first < last else None

        self.sh.send(keys)
        got = self.sh.wait(lambda t: listed(t) is not None and words_in(listed(t), words))
        text = self.sh.text()
        good = got is not None and not any_in(listed(got), absent)
        what = "%r lists %s" % (keys, " ".join(words))
        if absent:
            what += " and not " + " ".join(absent)
        self.result(good, what, text)
        if not self.prompt():
            self.result(False, "new prompt after ^U Enter", self.sh.text())

    def args(self, keys, want):
        """Types keys and Enter; the dummy gradexp got the arguments want."""
        pat = re.compile(r"ARGS\[(.*?)\]\n")
        self.sh.send(keys + "\r")
        got = self.sh.wait(lambda t: pat.search(t) and PROMPT in t[pat.search(t).end():])
        m = pat.search(got or self.sh.text())
        self.result(m is not None and m.group(1) == want,
                    "%r runs gradexp %s" % (keys, want), self.sh.text())


def env_for(extra):
    env = {
        "HOME": os.path.join(tmp, "home"),
        "PATH": os.path.join(tmp, "dummy") + ":/usr/bin:/bin",
        "TERM": "xterm",
        "LC_ALL": "C",
        "HISTFILE": "/dev/null",
        "INPUTRC": os.path.join(tmp, "inputrc"),
    }
    env.update(extra)
    return env


def bash(mode):
    with open(os.path.join(tmp, "inputrc"), "w") as f:
        f.write("set page-completions off\nset completion-query-items 1000\n")
    rc = os.path.join(tmp, "rc-" + mode)
    lines = ["PS1='%s'" % PROMPT, "unset PROMPT_COMMAND"]
    extra = {}
    if mode in ("bash-completion", "installed"):
        lines.append(". '%s'" % bashcomp)
        lines.append("declare -F _init_completion >/dev/null || echo 'NO BASH''-COMPLETION'")
    else:
        lines.append("declare -F _init_completion >/dev/null && echo 'BASH''-COMPLETION LOADED'")
    if mode == "installed":
        # only the staged PREFIX/share: its completions/gradexp is loaded on
        # first use, by command name
        extra["XDG_DATA_DIRS"] = os.path.join(tmp, "stage", "usr", "share")
        lines.append("complete -p gradexp >/dev/null 2>&1 && echo 'ALREADY LOADED'")
    else:
        lines.append(". '%s'" % os.path.join(root, "completions", "gradexp.bash"))
    with open(rc, "w") as f:
        f.write("\n".join(lines) + "\n")
    # --norc, then the rc file typed in: Debian's bash reads /etc/bash.bashrc
    # even with --rcfile, and that may load bash_completion.
    sh = Shell([shell_path, "--norc", "--noprofile", "-i"], env_for(extra))
    run = Run("bash " + mode, sh)
    try:
        if sh.wait(lambda t: "$ " in t or "# " in t) is None:
            run.result(False, "bash starts", sh.text())
            return
        sh.send(". %s\r" % rc)
        got = sh.wait(lambda t: PROMPT in t)
        run.result(got is not None and "ALREADY LOADED" not in got and "BASH-COMPLETION" not in got,
                   "rc file read", sh.text())
        if got is None:
            return
        run.listing("gradexp --loss \t\t", ["sigmoid", "softmax", "bce", "all"])
        run.args("gradexp --loss=so\t", "--loss=softmax")
        run.args("gradexp --fo\t", "--format")
        run.args("gradexp --show x,l\t", "--show x,loss")
        run.args("gradexp --torch 2.1\t3\t", "--torch 2.13")
        run.listing("gradexp --input \t\t", ["a.npy", "sub/", "w.safetensors"], absent=["b.txt", "p.svg"])
        run.args("gradexp --input w\t", "--input w.safetensors")
        run.args("gradexp --weights a.npy,s\tx\t", "--weights a.npy,sub/x.npy")
        run.args("gradexp --color=n\t", "--color=never")
    finally:
        sh.close()


def zsh():
    sh = Shell([shell_path, "-f", "-i"], env_for({}))
    run = Run("zsh", sh)
    try:
        if sh.wait(lambda t: "#" in t or "%" in t) is None:
            run.result(False, "zsh starts", sh.text())
            return
        # PS1 written in two pieces: the echo of this line must not look
        # like the prompt
        sh.send("PS1='READY''> '; LISTMAX=1000; fpath=('%s' $fpath); autoload -U compinit && compinit -u\r"
                % os.path.join(root, "completions"))
        got = sh.wait(lambda t: PROMPT in t)
        run.result(got is not None, "compinit with completions/ on $fpath", sh.text())
        if got is None:
            return
        run.listing("gradexp --loss \t", ["sigmoid", "softmax", "bce", "all"])
        run.args("gradexp --for\t", "--format")
        run.args("gradexp --loss=so\t", "--loss=softmax")
        run.args("gradexp --loss sigmoid,s\t", "--loss sigmoid,softmax")
        run.listing("gradexp --show x,\t", ["w", "h", "z", "p", "loss", "grad", "all"], absent=["x"])
        run.listing("gradexp --torch 2.1\t", ["2.1", "2.10", "2.11", "2.12", "2.13", "2.14"])
        run.listing("gradexp --cpu \t", ["default", "avx2", "avx512", "native"])
        run.listing("gradexp --input \t", ["a.npy", "sub/", "w.safetensors"], absent=["b.txt", "p.svg"])
        run.args("gradexp --input w\t", "--input w.safetensors")
        run.args("gradexp --weights a.npy,w\t", "--weights a.npy,w.safetensors")
        run.args("gradexp --weights=a\tsub/\t", "--weights=a.npy,sub/x.npy")
        run.listing("gradexp --weights a.npy,\t", ["a.npy", "sub/", "w.safetensors"], absent=["b.txt", "p.svg"])
        # zsh drops the slash after a directory (an auto-removable suffix)
        run.args("gradexp --save \t", "--save sub")
        run.listing("gradexp --plot \t", ["p.svg", "sub/"], absent=["a.npy", "b.txt"])
        run.args("gradexp --plot p\t", "--plot p.svg")
        run.args("gradexp --colour=al\t", "--colour=always")
        run.args("gradexp --act t\t", "--act tanh")
        if flags:
            run.listing("gradexp --\t", flags, line="gradexp --")
    finally:
        sh.close()


if scenario == "zsh":
    zsh()
else:
    bash(scenario)
EOF

python=
if [ -x /usr/bin/python3 ]; then
  python=/usr/bin/python3
elif command -v python3 >/dev/null 2>&1; then
  python=python3
fi

if [ -z "$python" ]; then
  echo "SKIP: interactive bash and zsh: no python3 for the pseudo-terminal"
else
  for mode in plain bash-completion installed; do
    command -v bash >/dev/null 2>&1 || break
    if [ "$mode" != plain ] && [ ! -f "$bashcomp" ]; then
      echo "SKIP: interactive bash ($mode): no $bashcomp (apt-get install bash-completion)"
      continue
    fi
    "$python" "$tmp/ptydrive.py" "$mode" "$root" "$tmp" "$(command -v bash)" "$bashcomp" \
      >"$tmp/pty.out" 2>&1 ||
      echo "FAIL: ptydrive.py $mode: exit status $?" >>"$tmp/pty.out"
    tally "$tmp/pty.out"
  done
  if command -v zsh >/dev/null 2>&1; then
    "$python" "$tmp/ptydrive.py" zsh "$root" "$tmp" "$(command -v zsh)" >"$tmp/pty.out" 2>&1 ||
      echo "FAIL: ptydrive.py zsh: exit status $?" >>"$tmp/pty.out"
    tally "$tmp/pty.out"
  else
    echo "SKIP: zsh checks: zsh is not installed (apt-get install zsh)"
  fi
fi

echo "completion: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
