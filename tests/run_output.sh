#!/bin/sh
# Output behaviour of the gradexp binary, end to end:
#  - --format json is accepted by jq and by python3's json module for
#    several configurations, holds the exact seed, every value (which agree
#    with the torch text), and nan/inf as strings;
#  - colour: --color=always with the escapes deleted is byte for byte the
#    plain text; --color=auto into a pipe, --color=never, NO_COLOR and
#    TERM=dumb give no escapes; always beats NO_COLOR; on a terminal (a pty
#    made by script(1), when present) auto colours;
#  - output failures: > /dev/full reports "write error" and exits 1; a large
#    output into `head -1` ends quietly (no stderr), also when SIGPIPE is
#    ignored by the parent;
#  - --help names every long option of src/options.c with a default, the
#    man page renders without warnings (groff, mandoc -Tlint when present)
#    and documents every option;
#  - make install / uninstall into a temporary DESTDIR.
# Prints "output: N passed, M failed" and exits non-zero on a failure.
# Usage: tests/run_output.sh ./gradexp   (from the repository root)
bin=${1:-./gradexp}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
make=${MAKE:-make}
pass=0
fail=0
skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
esc=$(printf '\033')
unset NO_COLOR

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
skipped() { skip=$((skip + 1)); echo "SKIP: $*"; }
check() { # description, command...: passes when the command succeeds
    what=$1
    shift
    if "$@"; then ok; else bad "$what"; fi
}
# Deletes ANSI SGR escape sequences (ESC [ digits/semicolons m).
strip() { sed "s/${esc}\[[0-9;]*m//g"; }
has_escape() { grep -q "$esc" "$1"; }

# Debian's python3 first: a version manager's shim can take a second to start
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)
jq=$(command -v jq || true)
[ -n "$jq" ] || skipped "jq not installed: 'apt-get install -y jq' (make test installs it as root)"
[ -n "$py" ] || skipped "python3 not installed: JSON checks with python skipped"

# ---------------------------------------------------------------- JSON ----
n=0
while IFS= read -r args; do
    case $args in '#'* | '') continue ;; esac
    n=$((n + 1))
    eval "set -- $args"
    "$bin" --format json "$@" >"$tmp/j$n.json" 2>"$tmp/j$n.err"
    check "gradexp --format json $args: exit status" [ $? -eq 0 ]
    if [ -n "$jq" ]; then
        if "$jq" -e '.config and .tensors and .losses and .warnings' "$tmp/j$n.json" >/dev/null 2>"$tmp/jq.err"
        then ok; else bad "jq rejects gradexp --format json $args: $(head -c 300 "$tmp/jq.err")"; fi
    fi
    if [ -n "$py" ]; then
        if "$py" -m json.tool "$tmp/j$n.json" >/dev/null 2>"$tmp/py.err"
        then ok; else bad "python3 -m json.tool rejects gradexp --format json $args: $(head -c 300 "$tmp/py.err")"; fi
        # The same run as torch text: every printed number agrees with the
        # JSON value (as float32) formatted the way torch formats it.
        "$bin" "$@" >"$tmp/t$n.txt" 2>/dev/null
        if "$py" - "$tmp/j$n.json" "$tmp/t$n.txt" "$args" >"$tmp/py.err" 2>&1 <<'EOF'
import json, re, struct, sys
doc = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
cfg = doc["config"]
def f32(v):  # the float32 a JSON value stands for, exactly, as a Python float
    if isinstance(v, str):
        assert v in ("nan", "inf", "-inf"), v
        return float(v)
    assert isinstance(v, float), v          # always a float, never an int
    return struct.unpack("f", struct.pack("f", v))[0]
def flat(v):
    return [f32(x) for row in v for x in (row if isinstance(row, list) else [row])] \
        if isinstance(v, list) else [f32(v)]
assert [h["head"] for h in doc["losses"]] == cfg["loss"]
for h in doc["losses"]:
    f32(h["loss"])
labels = re.findall(r"^# (\S+)$", text, re.M)
assert labels == [t["name"] for t in doc["tensors"]], (labels, [t["name"] for t in doc["tensors"]])
# compare numbers only where torch prints every element in fixed notation
blocks = re.split(r"^# \S+\n", text, flags=re.M)[1:]
prec = cfg["precision"]
for t, block in zip(doc["tensors"], blocks):
    vals = flat(t["values"])
    n = 1
    for s in t["shape"]:
        n *= s
    assert len(vals) == n, (t["name"], len(vals), n)
    if "..." in block or "e" in block.replace("tensor", ""):
        continue
    nums = re.findall(r"-?(?:\d+\.\d*|nan|inf)", block)
    assert len(nums) == n, (t["name"], len(nums), n)
    for got, v in zip(nums, vals):
        if v != v:
            want = "nan"
        elif v in (float("inf"), float("-inf")):
            want = "inf" if v > 0 else "-inf"
        elif got.endswith("."):             # torch's integer mode
            want = "%.0f." % v
        else:
            want = "{:.{p}f}".format(v, p=prec)
        assert got == want, (t["name"], got, want, v)
print("ok")
EOF
        then ok; else bad "JSON and torch text disagree for $args: $(tail -c 400 "$tmp/py.err")"; fi
    fi
done <<'CASES'
# argument lists for the JSON checks
--show all --loss all
--show all --loss all --stable --no-abs --seed -1
--config examples/classroom.conf
--config examples/signed-stable.conf
--config examples/naive-overflow.conf --show loss,grad --classes 3
--show w,grad --classes 50 --features 30 --init-std 0.036 --no-abs --rng default
--show x,z,p,loss --loss bce --seed 18446744073709551615
--show x --seed=-9223372036854775808 --features 1
CASES

# nan and inf are strings, the seed is exact, warnings are listed
if [ -n "$py" ]; then
    "$bin" --format json --config examples/naive-overflow.conf --seed=-9223372036854775808 >"$tmp/n.json" 2>/dev/null
    check "naive overflow JSON: nan/inf strings, exact seed, warning" "$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["config"]["seed"] == -9223372036854775808
vals = [v for t in d["tensors"] if t["name"].endswith(".grad") for row in t["values"] for v in row]
assert "nan" in vals or "inf" in vals or "-inf" in vals, "no non-finite value"
assert len(d["warnings"]) >= 1 and "naive softmax head" in d["warnings"][0]
' "$tmp/n.json"
    "$bin" --format json --seed 18446744073709551615 >"$tmp/s.json"
    check "JSON seed 2^64-1 is exact" "$py" -c '
import json, sys
assert json.load(open(sys.argv[1]))["config"]["seed"] == 18446744073709551615' "$tmp/s.json"
fi
# the README's JSON example is real output
cmd='gradexp --format json --show x,grad --classes 2 --features 3 --target 0'
sed -n "/^\$ $cmd\$/,/^\`\`\`/p" README.md | sed '1d;$d' >"$tmp/readme.json"
# shellcheck disable=SC2086
"$bin" ${cmd#gradexp } >"$tmp/real.json"
check "README's JSON example is gradexp's output" cmp -s "$tmp/readme.json" "$tmp/real.json"
"$bin" --format json --color=always --show all >"$tmp/jc.json"
check "--format json is never coloured" sh -c "! grep -q '$esc' '$tmp/jc.json'"

# --------------------------------------------------------------- colour ----
for args in "" "--show all --loss all" "--config examples/naive-overflow.conf" \
    "--config examples/gpt2-head-summary.conf" "--config examples/signed-stable.conf" \
    "--show all --sci-mode on --precision 2" "--show x,w --classes 3 --features 300 --linewidth 50" \
    "--explain"; do
    # shellcheck disable=SC2086
    "$bin" $args >"$tmp/plain" 2>/dev/null
    # shellcheck disable=SC2086
    "$bin" --color=always $args >"$tmp/color" 2>/dev/null
    check "--color=always $args has escapes" has_escape "$tmp/color"
    strip <"$tmp/color" >"$tmp/stripped"
    check "--color=always $args without escapes equals the plain text" cmp -s "$tmp/plain" "$tmp/stripped"
done
"$bin" --show all >"$tmp/plain"
"$bin" --color=auto --show all >"$tmp/out"
check "--color=auto into a file: plain text" cmp -s "$tmp/plain" "$tmp/out"
"$bin" --color=auto --show all | cat >"$tmp/out"
check "--color=auto into a pipe: plain text" cmp -s "$tmp/plain" "$tmp/out"
"$bin" --color=never --show all >"$tmp/out"
check "--color=never: plain text" cmp -s "$tmp/plain" "$tmp/out"
"$bin" --color --show all >"$tmp/out"
check "--color alone means always" has_escape "$tmp/out"
"$bin" --colour=always --show all >"$tmp/out"
check "--colour=always (alias)" has_escape "$tmp/out"
NO_COLOR=1 "$bin" --color=always --show all >"$tmp/out"
check "--color=always wins over NO_COLOR" has_escape "$tmp/out"
printf 'color = always\n' >"$tmp/c.conf"
"$bin" --config "$tmp/c.conf" >"$tmp/out"
check "color = always in a config file" has_escape "$tmp/out"
"$bin" --config "$tmp/c.conf" --color=never >"$tmp/out"
check "--color=never on the command line beats the file" cmp -s "$tmp/out" examples/blog.out
"$bin" --color=always --show all --loss all --no-abs --seed -1 >"$tmp/out"
check "colours: negative red" grep -q "${esc}\[31m-[0-9]" "$tmp/out"
check "colours: positive green" grep -q "${esc}\[32m[0-9]" "$tmp/out"
"$bin" --color=always --config examples/naive-overflow.conf 2>/dev/null >"$tmp/out"
check "colours: zeros and -0 dim" grep -q "${esc}\[2m-0\." "$tmp/out"
check "colours: nan yellow" grep -q "${esc}\[33mnan" "$tmp/out"

# On a terminal: script(1) gives gradexp a pty (its output has CRLF ends).
if command -v script >/dev/null 2>&1 && script -qc true /dev/null </dev/null >/dev/null 2>&1; then
    tty_run() { # environment assignments and arguments, run on a pty
        env TERM=xterm "$@" script -qc "$bin --show all" /dev/null </dev/null | tr -d '\r'
    }
    tty_run >"$tmp/tty"
    check "auto on a terminal: coloured" has_escape "$tmp/tty"
    strip <"$tmp/tty" >"$tmp/stripped"
    check "auto on a terminal: stripped equals the plain text" cmp -s "$tmp/plain" "$tmp/stripped"
    tty_run NO_COLOR=1 >"$tmp/tty"
    check "NO_COLOR=1 on a terminal: no colour" sh -c "! grep -q '$esc' '$tmp/tty'"
    tty_run NO_COLOR= >"$tmp/tty"
    check "empty NO_COLOR on a terminal: colour" has_escape "$tmp/tty"
    tty_run TERM=dumb >"$tmp/tty"
    check "TERM=dumb on a terminal: no colour" sh -c "! grep -q '$esc' '$tmp/tty'"
    env TERM=xterm script -qc "$bin --show all --color=never" /dev/null </dev/null >"$tmp/tty"
    check "--color=never on a terminal: no colour" sh -c "! grep -q '$esc' '$tmp/tty'"
else
    skipped "script(1) cannot make a pty here: terminal colour checks"
fi

# ------------------------------------------------------- output failures ----
if [ -w /dev/full ]; then
    for args in "" "--format json" "--show all --loss all --classes 300 --features 300" \
        "--format json --show all --classes 300 --features 300" "--help" "--version"; do
        # shellcheck disable=SC2086
        "$bin" $args >/dev/full 2>"$tmp/err"
        rc=$?
        check "gradexp $args >/dev/full exits 1 (got $rc)" [ "$rc" -eq 1 ]
        check "gradexp $args >/dev/full: message" \
            [ "$(cat "$tmp/err")" = "gradexp: write error: No space left on device" ]
    done
else
    skipped "/dev/full missing: write-error checks"
fi
to=
command -v timeout >/dev/null 2>&1 && to="timeout 120"
for args in "--classes 2000 --features 768 --threshold 100000000" \
    "--classes 2000 --features 768 --format json --show all" "--explain --classes 500 --features 500"; do
    # shellcheck disable=SC2086
    first=$({ $to "$bin" $args 2>"$tmp/err"; echo "$?" >"$tmp/rc"; } | head -1)
    check "gradexp $args | head -1: a first line" [ -n "$first" ]
    check "gradexp $args | head -1: quiet (stderr: $(head -c 200 "$tmp/err"))" [ ! -s "$tmp/err" ]
    check "gradexp $args | head -1: ended by SIGPIPE, not a timeout (status $(cat "$tmp/rc"))" \
        [ "$(cat "$tmp/rc")" -ne 124 ]
    # shellcheck disable=SC2086
    first=$( (trap '' PIPE; { $to "$bin" $args 2>"$tmp/err"; echo "$?" >"$tmp/rc"; } | head -1) )
    check "gradexp $args | head -1 with SIGPIPE ignored: quiet (stderr: $(head -c 200 "$tmp/err"))" \
        [ ! -s "$tmp/err" ]
    check "gradexp $args | head -1 with SIGPIPE ignored: no timeout" [ "$(cat "$tmp/rc")" -ne 124 ]
done

# ------------------------------------------------- help, version, manual ----
"$bin" --help >"$tmp/help"
"$bin" --version >"$tmp/version"
check "--version prints 'gradexp VERSION'" grep -Eq '^gradexp [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/version"
check "the man page's .TH names the version" grep -q "^\.TH GRADEXP 1 [0-9-]* \"$(head -1 "$tmp/version")\"" gradexp.1
check "--version names every supported release" grep -q '^PyTorch releases: 1.13 2.0 2.1 2.2 2.3 2.4 2.5 2.6 2.7 2.8 2.9 2.10 2.11 2.12 2.13 2.14 (default 2.14)$' "$tmp/version"
# every long option of the parser, from its table in src/options.c
opts=$(sed -n '/LONG_OPTS\[\] = {/,/^};/p' src/options.c | grep -o '{"[a-z-]*"' | tr -d '{"')
check "found the option table of src/options.c" [ "$(echo "$opts" | wc -w)" -ge 20 ]
for opt in $opts; do
    [ "$opt" = colour ] && continue      # documented with --color
    line=$(grep -E -- "^  (-[a-zA-Z], )?--$opt([ =[]|$)" "$tmp/help")
    check "--help lists --$opt" [ -n "$line" ]
    case $opt in help | version) ;; *)
        # the default is on the option's line or on its continuation lines
        block=$(sed -n "/^  \(-[a-zA-Z], \)\{0,1\}--$opt\([ =[]\|\$\)/,/^  [-]/p" "$tmp/help" | sed '$d')
        [ -n "$block" ] || block=$line
        check "--help gives the default of --$opt" sh -c 'printf "%s" "$1" | grep -q "default"' sh "$block$line" ;;
    esac
    # roff spells it \-\-name with every '-' escaped: .B, .BI or .BR item lines
    re=$(printf '%s' "$opt" | sed 's/-/[\\]-/g')
    check "gradexp.1 documents --$opt" grep -Eq -- "^\.B[IR]? (.*\" )?[\\]-[\\]-$re( |\$)" gradexp.1
done
check "--help has examples with --format json and --color" \
    sh -c 'grep -q "gradexp --format json" "$1" && grep -q "gradexp --color" "$1"' sh "$tmp/help"
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww gradexp.1 >"$tmp/man.txt" 2>"$tmp/groff.err"
    check "groff renders gradexp.1 without warnings: $(head -c 300 "$tmp/groff.err")" \
        [ ! -s "$tmp/groff.err" ]
    check "groff renders gradexp.1 into text" [ "$(wc -l <"$tmp/man.txt")" -gt 100 ]
else
    skipped "groff not installed: man page rendering"
fi
if command -v mandoc >/dev/null 2>&1; then
    mandoc -Tlint -W all gradexp.1 >"$tmp/lint" 2>&1
    check "mandoc -Tlint gradexp.1 is clean: $(head -c 300 "$tmp/lint")" [ ! -s "$tmp/lint" ]
else
    skipped "mandoc not installed: man page lint ('apt-get install -y mandoc')"
fi

# ---------------------------------------------------- install/uninstall ----
dest=$tmp/dest
if $make -s install DESTDIR="$dest" PREFIX=/usr >"$tmp/make.out" 2>&1; then
    ok
    check "install: binary in DESTDIR/usr/bin" [ -x "$dest/usr/bin/gradexp" ]
    check "install: man page in DESTDIR/usr/share/man/man1" [ -f "$dest/usr/share/man/man1/gradexp.1" ]
    check "install: the installed binary runs" sh -c '"$1" --version >/dev/null' sh "$dest/usr/bin/gradexp"
    check "install: the installed man page is gradexp.1" cmp -s gradexp.1 "$dest/usr/share/man/man1/gradexp.1"
    if command -v man >/dev/null 2>&1; then
        check "install: man -l renders the installed page" \
            sh -c 'MANWIDTH=80 man -l "$1" 2>/dev/null | grep -q "gradexp"' sh "$dest/usr/share/man/man1/gradexp.1"
    fi
    if $make -s uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/make.out" 2>&1; then ok; else bad "make uninstall: $(cat "$tmp/make.out")"; fi
    check "uninstall: binary removed" [ ! -e "$dest/usr/bin/gradexp" ]
    check "uninstall: man page removed" [ ! -e "$dest/usr/share/man/man1/gradexp.1" ]
else
    bad "make install DESTDIR=... PREFIX=/usr: $(cat "$tmp/make.out")"
fi
if $make -s install DESTDIR="$dest" >"$tmp/make.out" 2>&1; then
    check "install: default PREFIX is /usr/local (binary)" [ -x "$dest/usr/local/bin/gradexp" ]
    check "install: default PREFIX is /usr/local (man page)" [ -f "$dest/usr/local/share/man/man1/gradexp.1" ]
    $make -s uninstall DESTDIR="$dest" >/dev/null 2>&1
    check "uninstall: default PREFIX cleaned (binary)" [ ! -e "$dest/usr/local/bin/gradexp" ]
    check "uninstall: default PREFIX cleaned (man page)" [ ! -e "$dest/usr/local/share/man/man1/gradexp.1" ]
else
    bad "make install DESTDIR=...: $(cat "$tmp/make.out")"
fi
if $make -s install DESTDIR="$dest" BINDIR=/opt/g/bin MANDIR=/opt/g/man/man1 >"$tmp/make.out" 2>&1 &&
    [ -x "$dest/opt/g/bin/gradexp" ] && [ -f "$dest/opt/g/man/man1/gradexp.1" ] &&
    $make -s uninstall DESTDIR="$dest" BINDIR=/opt/g/bin MANDIR=/opt/g/man/man1 >/dev/null 2>&1 &&
    [ ! -e "$dest/opt/g/bin/gradexp" ]; then ok; else bad "install/uninstall with BINDIR and MANDIR"; fi

echo "output: $pass passed, $fail failed${skip:+, $skip skipped}"
[ "$fail" -eq 0 ]
