# gradexp - build, test and install.
# No flag here may change floating-point results: no -ffast-math, no -Ofast,
# and contraction is off so a*b+c is never fused behind our back (fmaf is
# written out where PyTorch fuses).
CC      ?= cc
CFLAGS  ?= -O2 -g
REQUIRED_CFLAGS := -std=c11 -Wall -Wextra -Wpedantic -fno-fast-math -ffp-contract=off -D_POSIX_C_SOURCE=200809L
override CFLAGS += $(REQUIRED_CFLAGS)
LDLIBS  += -lm
# gradexp itself is linked statically: with no shared libraries to load it
# starts about 2 ms sooner (measured with hyperfine); LDFLAGS= links it
# dynamically. Tests and variant builds link dynamically.
LDFLAGS ?= -static
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man/man1
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
CONFORMANCE_CASES ?= 400

SRC      := $(filter-out src/main.c,$(wildcard src/*.c))
OBJ      := $(SRC:.c=.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:.c=)

.PHONY: all test deps unit examples clean install uninstall conformance torch-env bench test-arm64

all: gradexp

gradexp: src/main.o $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

src/%.o: src/%.c $(wildcard src/*.h)
	$(CC) $(CFLAGS) -c -o $@ $<

tests/test_%: tests/test_%.c $(OBJ) $(wildcard src/*.h) $(wildcard tests/*.h)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(OBJ) -lcmocka $(LDLIBS)

# Every cmocka suite, every example config against its expected output, the
# golden corpora from real PyTorch (tests/golden: 1.13, 2.6, 2.14 x default,
# avx2, avx512; drawn tensors, layers, and the user's own arrays), the
# command-line table (exit statuses and messages), the output checks (JSON
# read by jq and python3, colour, write errors, man page, install), --input,
# --weights and --save against files torch wrote (tests/run_inputs.sh), the
# figures rendered in headless chromium and checked by pixel
# (tests/run_render.sh) and the shell completion in real bash and zsh
# (tests/run_completion.sh).
test: deps
	@$(MAKE) --no-print-directory unit examples

# cmocka is the one required test dependency: installed when missing and we
# are root with apt-get (a fresh Debian machine or CI), otherwise the command
# to run. jq is installed the same way; without it tests/run_output.sh skips
# its jq checks and says so.
deps:
	@if [ ! -f /usr/include/cmocka.h ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing libcmocka-dev"; \
	    apt-get update -qq && apt-get install -y -qq libcmocka-dev >/dev/null; \
	  else \
	    echo "make test needs cmocka: run 'sudo apt-get install -y libcmocka-dev'" >&2; exit 1; \
	  fi; \
	fi
	@if ! command -v jq >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing jq"; \
	    apt-get install -y -qq jq >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }; \
	  else \
	    echo "note: the JSON checks want jq: run 'sudo apt-get install -y jq'" >&2; \
	  fi; \
	fi
	@if [ ! -f /usr/share/bash-completion/bash_completion ] || ! command -v zsh >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bash-completion zsh"; \
	    apt-get install -y -qq bash-completion zsh >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq bash-completion zsh >/dev/null; }; \
	  else \
	    echo "note: the completion checks want bash-completion and zsh: run 'sudo apt-get install -y bash-completion zsh'" >&2; \
	  fi; \
	fi

unit: $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; ./$$t; done

examples: gradexp
	@sh tests/run_examples.sh ./gradexp
	@sh tests/run_golden.sh ./gradexp
	@sh tests/run_cli.sh ./gradexp
	@MAKE="$(MAKE)" sh tests/run_output.sh ./gradexp
	@sh tests/run_inputs.sh ./gradexp
	@sh tests/run_render.sh ./gradexp
	@sh tests/run_completion.sh ./gradexp

# Compares gradexp with real PyTorch on fresh random configurations, one
# run per kernel family: `make conformance TORCH=2.14 CPU=avx512`. TORCH=1.13
# uses the host's python3-torch (Debian 12); 2.6 and 2.14 their Debian root
# (built once by `make torch-env TORCH=...`, which conformance calls).
# ARCH=arm64 runs torch's aarch64 build in the release's arm64 root, through
# qemu-user (`make conformance TORCH=2.6 ARCH=arm64`: --cpu neon).
TORCH ?= 1.13
ARCH  ?= amd64
CPU   ?= $(if $(filter arm64,$(ARCH)),neon,default avx2 avx512)
CONFORMANCE_SEED ?= 1
conformance: gradexp
	@set -e; for c in $(CPU); do \
	  /usr/bin/python3 tests/conformance.py --gradexp ./gradexp --cases $(CONFORMANCE_CASES) \
	    --torch $(TORCH) --arch $(ARCH) --cpu $$c --seed $(CONFORMANCE_SEED); done

# A Debian root holding PyTorch $(TORCH) (2.6 or 2.14) for $(ARCH) (amd64,
# or arm64 run through qemu-user), from Debian's packages, cached in
# $$GRADEXP_TORCH_ROOTS (default /var/tmp/gradexp-torch).
torch-env:
	sh tools/torch-env.sh $(TORCH) $(ARCH)

# `make test` natively on aarch64, in an arm64 Debian root through qemu-user
# (tools/arm64-test.sh; the root is built once, outside the checkout).
test-arm64:
	sh tools/arm64-test.sh

# Side-by-side benchmark with PyTorch (needs python3-torch); writes bench/results.md.
bench: gradexp
	/usr/bin/python3 bench/bench.py --gradexp ./gradexp --out bench/results.md

# make install [PREFIX=/usr/local] [DESTDIR=staging root] [BINDIR=...] [MANDIR=...]
# [BASHCOMPDIR=...] [ZSHCOMPDIR=...]: the binary, the man page and the bash
# and zsh completions (bash-completion loads completions/NAME by command
# name; zsh finds _gradexp on its $fpath, where site-functions is).
install: gradexp gradexp.1
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)" "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)"
	install -m 755 gradexp "$(DESTDIR)$(BINDIR)/gradexp"
	install -m 644 gradexp.1 "$(DESTDIR)$(MANDIR)/gradexp.1"
	install -m 644 completions/gradexp.bash "$(DESTDIR)$(BASHCOMPDIR)/gradexp"
	install -m 644 completions/_gradexp "$(DESTDIR)$(ZSHCOMPDIR)/_gradexp"

# Removes exactly what install put there (same PREFIX, DESTDIR and dirs).
uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/gradexp" "$(DESTDIR)$(MANDIR)/gradexp.1" \
	  "$(DESTDIR)$(BASHCOMPDIR)/gradexp" "$(DESTDIR)$(ZSHCOMPDIR)/_gradexp"

clean:
	rm -f gradexp src/*.o $(TEST_BIN)

# ---------------------------------------------------------------------------
# Hardening (README, "Hardening"): fuzz, sanitize, valgrind, coverage and
# determinism. Every instrumented build lives in its own directory under
# build/, never in src/ or tests/, so a later plain `make` cannot link an
# instrumented object. `make clean-hardening` removes build/.
.PHONY: variant variant-objs variant-tests variant-fuzz sanitize valgrind coverage determinism \
	fuzz fuzz-build fuzz-deps clean-hardening FORCE

# Out-of-tree builds: `$(MAKE) variant-tests VDIR=dir VCC=cc VCFLAGS=flags`
# builds dir/gradexp and dir/tests/test_* from objects in dir/src, compiled
# with VCFLAGS followed by the project's REQUIRED_CFLAGS (so no variant can
# drop -ffp-contract=off); variant-fuzz builds dir/fuzz_* (libFuzzer). A
# change of compiler or flags rebuilds the directory (dir/.flags).
VDIR     ?= build/variant
VCC      ?= $(CC)
VCFLAGS  ?= -O2 -g
VOBJ     := $(patsubst src/%.c,$(VDIR)/src/%.o,$(SRC))
VTEST    := $(patsubst tests/%,$(VDIR)/tests/%,$(TEST_BIN))
VFUZZ    := $(patsubst tests/fuzz/%.c,$(VDIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

variant: $(VDIR)/gradexp
variant-objs: $(VOBJ)
variant-tests: $(VDIR)/gradexp $(VTEST)
variant-fuzz: $(VFUZZ)

$(VDIR)/.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(VCC) $(VCFLAGS) $(REQUIRED_CFLAGS)' | cmp -s - $@ || echo '$(VCC) $(VCFLAGS) $(REQUIRED_CFLAGS)' >$@

$(VDIR)/src/%.o: src/%.c $(wildcard src/*.h) $(VDIR)/.flags
	@mkdir -p $(@D)
	$(VCC) $(VCFLAGS) $(REQUIRED_CFLAGS) -c -o $@ $<

$(VDIR)/gradexp: $(VDIR)/src/main.o $(VOBJ)
	$(VCC) $(VCFLAGS) -o $@ $^ $(LDLIBS)

$(VDIR)/tests/test_%: tests/test_%.c $(VOBJ) $(wildcard src/*.h) $(wildcard tests/*.h)
	@mkdir -p $(@D)
	$(VCC) $(VCFLAGS) $(REQUIRED_CFLAGS) -Isrc -o $@ $< $(VOBJ) -lcmocka $(LDLIBS)

$(VDIR)/fuzz_%: tests/fuzz/fuzz_%.c $(VOBJ) $(wildcard src/*.h)
	$(VCC) $(VCFLAGS) -fsanitize=fuzzer $(REQUIRED_CFLAGS) -Isrc -o $@ $< $(VOBJ) $(LDLIBS)

FORCE:

# $(call need,TEST,PACKAGES): when the shell command TEST fails, installs the
# Debian PACKAGES as root with apt-get (as deps does for cmocka), otherwise
# names the command to run and fails.
need = if ! $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(2)"; \
	    apt-get install -y -qq $(2) >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq $(2) >/dev/null; }; \
	  else \
	    echo "$@ needs $(2): run 'sudo apt-get install -y $(2)'" >&2; exit 1; \
	  fi; \
	fi

# $(call run_suites,DIR[,BIN]): every part of `make test` against the build
# in DIR: the cmocka suites DIR/tests/test_*, then the shell suites of the
# examples target with DIR/BIN (default gradexp; keep this list in step with
# `examples`). All parts run; the status is non-zero when any failed.
run_suites = st=0; \
	for t in $(patsubst tests/%,$(1)/tests/%,$(TEST_BIN)); do echo "== $$t"; ./$$t || st=1; done; \
	sh tests/run_examples.sh $(1)/$(or $(2),gradexp) || st=1; \
	sh tests/run_cli.sh $(1)/$(or $(2),gradexp) || st=1; \
	if [ -f tests/run_output.sh ]; then MAKE="$(MAKE)" sh tests/run_output.sh $(1)/$(or $(2),gradexp) || st=1; fi; \
	sh tests/run_inputs.sh $(1)/$(or $(2),gradexp) || st=1; \
	sh tests/run_render.sh $(1)/$(or $(2),gradexp) || st=1; \
	[ $$st -eq 0 ]

# AddressSanitizer + UndefinedBehaviorSanitizer (with LeakSanitizer): the
# whole test suite, plus the examples on the scalar (GRADEXP_NO_SIMD) paths.
# The shell suites run gradexp through a wrapper (gradexp-checked) that
# records any run ending in a sanitizer's exit status (86 ASan/LSan, 87
# UBSan), since some suites look only at stdout; ASan's reports are kept in
# $(SAN_DIR)/logs. Any report fails the target.
SAN_CC    ?= $(CC)
SAN_DIR   ?= build/sanitize
SAN_FLAGS ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow \
	-fno-sanitize-recover=all
SAN_ENV   ?= ASAN_OPTIONS=exitcode=86:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1:log_path=$(CURDIR)/$(SAN_DIR)/logs/asan \
	UBSAN_OPTIONS=exitcode=87:print_stacktrace=1:halt_on_error=1
sanitize: deps
	@$(MAKE) --no-print-directory variant-tests VDIR=$(SAN_DIR) VCC='$(SAN_CC)' VCFLAGS='$(SAN_FLAGS)'
	@rm -rf $(SAN_DIR)/logs $(SAN_DIR)/failures; mkdir -p $(SAN_DIR)/logs
	@printf '%s\n' '#!/bin/sh' '# gradexp built with sanitizers; logs runs that end in a sanitizer report' \
	  '"$${0%/*}/gradexp" "$$@"' 'rc=$$?' \
	  'case $$rc in 86 | 87) echo "exit $$rc (sanitizer report): gradexp $$*" >>"$${0%/*}/failures" ;; esac' \
	  'exit $$rc' >$(SAN_DIR)/gradexp-checked && chmod +x $(SAN_DIR)/gradexp-checked
	@export $(SAN_ENV); st=0; \
	  ( $(call run_suites,$(SAN_DIR),gradexp-checked) ) || st=1; \
	  echo "== examples on the scalar paths (GRADEXP_NO_SIMD=1)"; \
	  GRADEXP_NO_SIMD=1 sh tests/run_examples.sh $(SAN_DIR)/gradexp-checked || st=1; \
	  if [ -s $(SAN_DIR)/failures ] || [ -n "$$(ls $(SAN_DIR)/logs)" ]; then \
	    echo "sanitizer reports:"; cat $(SAN_DIR)/failures $(SAN_DIR)/logs/* 2>/dev/null; st=1; fi; \
	  [ $$st -eq 0 ] && echo "sanitize: every suite passed, no sanitizer report ($(SAN_FLAGS))"; \
	  exit $$st

# valgrind memcheck (leaks included) on every example, with the default build.
# On a dynamically linked build (build/valgrind): valgrind cannot replace
# the string functions of a static glibc and reports false positives there.
valgrind:
	@$(call need,command -v valgrind,valgrind)
	@$(MAKE) --no-print-directory variant VDIR=build/valgrind VCFLAGS='-O2 -g'
	@sh tests/valgrind.sh build/valgrind/gradexp

# Line coverage of src/ from the whole test suite, plus the examples on the
# scalar paths (gcov data from an -O0 --coverage build in build/coverage,
# summarised by gcovr; the suites' output goes to build/coverage/suites.log).
COV_DIR ?= build/coverage
coverage: deps
	@$(call need,command -v gcovr,gcovr)
	@$(MAKE) --no-print-directory variant-tests VDIR=$(COV_DIR) VCFLAGS='-O0 -g --coverage'
	@find $(COV_DIR) -name '*.gcda' -delete
	@( $(call run_suites,$(COV_DIR)) ) >$(COV_DIR)/suites.log 2>&1 || { cat $(COV_DIR)/suites.log; exit 1; }
	@GRADEXP_NO_SIMD=1 sh tests/run_examples.sh $(COV_DIR)/gradexp >>$(COV_DIR)/suites.log 2>&1 || \
	  { cat $(COV_DIR)/suites.log; exit 1; }
	@gcovr --root . --object-directory $(COV_DIR) --filter 'src/' --txt $(COV_DIR)/coverage.txt --print-summary
	@echo "per-file report: $(COV_DIR)/coverage.txt"

# The same output from gcc and clang at -O0, -O2, -O3 and -march=native.
determinism:
	@$(call need,command -v clang,clang)
	@MAKE="$(MAKE)" sh tests/determinism.sh

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) built with clang under ASan and
# UBSan, each run for FUZZ_SECONDS from the seeds in tests/fuzz/corpus/;
# FUZZ_JOBS harnesses run at once. Found inputs go to build/fuzz/corpus,
# crashes to build/fuzz/artifacts.
FUZZ_CC      ?= clang
FUZZ_DIR     ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_FLAGS   ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_JOBS)

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory variant-fuzz VDIR=$(FUZZ_DIR) VCC='$(FUZZ_CC)' \
	  VCFLAGS='$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link'

# Debian 12's clang 14 has libFuzzer in libclang-rt-14-dev (only recommended).
FUZZ_PROBE = sh -c 'echo "int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }" | \
	  $(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined -o /dev/null -'
fuzz-deps:
	@$(call need,command -v $(FUZZ_CC),clang)
	@$(call need,$(FUZZ_PROBE),libclang-rt-14-dev)

clean-hardening:
	rm -rf build

# ---------------------------------------------------------------------------
# Lint (README, "Tests"): every C file of src/ and tests/ compiles without a
# warning under LINT_WARNINGS, passes cppcheck and clang-tidy (.clang-tidy,
# tests/.clang-tidy) and is formatted as .clang-format says. Written for
# Debian 12's gcc 12, cppcheck 2.10, clang-tidy 14 and clang-format 14 (other
# versions have other checks). All four parts run; the target fails when any
# did. Each part is also a target of its own. Nothing is written to disk.
#
# LINT_EXCLUDE: tests/gen_vec_math_golden.c is a one-off data generator that
# links libsleef and AVX2 intrinsics and is never built by make; it is kept
# formatted but not analysed.
LINT_EXCLUDE  := tests/gen_vec_math_golden.c
LINT_C        := $(filter-out $(LINT_EXCLUDE),$(wildcard src/*.c tests/*.c tests/fuzz/*.c))
LINT_H        := $(filter-out $(LINT_EXCLUDE),$(wildcard src/*.h tests/*.h tests/fuzz/*.h))
LINT_WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wconversion
LINT_CFLAGS   := -O2 $(REQUIRED_CFLAGS) $(LINT_WARNINGS) -Isrc
LINT_JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CPPCHECK      ?= cppcheck
CLANG_TIDY    ?= clang-tidy
CLANG_FORMAT  ?= clang-format
# -D__CPPCHECK__: cppcheck leaves it undefined once -D picks the
# configuration, and tests/cmocka_lint.h needs it.
CPPCHECK_FLAGS := --std=c11 --enable=warning,style,performance,portability --inline-suppr \
	--error-exitcode=1 --quiet -j$(LINT_JOBS) -Isrc -D_POSIX_C_SOURCE=200809L -D__CPPCHECK__
.PHONY: lint lint-cc lint-cppcheck lint-tidy lint-format

lint:
	@st=0; for t in lint-format lint-cc lint-cppcheck lint-tidy; do \
	  $(MAKE) --no-print-directory $$t || { st=1; echo "lint: $$t failed" >&2; }; done; \
	[ $$st -eq 0 ] && echo "lint: clean ($(words $(LINT_C)) C files, $(words $(LINT_H)) headers; not linted: $(LINT_EXCLUDE))"; \
	exit $$st

# The project's compiler with the extra warnings as errors, at -O2 (some
# warnings need the optimiser's data flow), one file at a time.
lint-cc:
	@echo "lint: $(CC) $(LINT_WARNINGS) -Werror"
	@printf '%s\n' $(LINT_C) | xargs -P $(LINT_JOBS) -I{} $(CC) $(LINT_CFLAGS) -Werror -c -o /dev/null {}

lint-cppcheck:
	@$(call need,command -v $(CPPCHECK),cppcheck)
	@echo "lint: cppcheck"
	@$(CPPCHECK) $(CPPCHECK_FLAGS) $(LINT_C)

# Clang's own warnings (the same LINT_WARNINGS) are checked here too, as
# clang-diagnostic-*; .clang-tidy turns every warning into an error. The
# "N warnings generated" lines (from system headers, not shown) are dropped.
lint-tidy:
	@$(call need,command -v $(CLANG_TIDY),clang-tidy)
	@echo "lint: clang-tidy"
	@out=$$(printf '%s\n' $(LINT_C) | xargs -P $(LINT_JOBS) -I{} $(CLANG_TIDY) --quiet {} -- \
	  $(REQUIRED_CFLAGS) $(LINT_WARNINGS) -Isrc 2>&1); st=$$?; \
	  printf '%s\n' "$$out" | grep -Ev '^$$|^[0-9]+ warnings? (generated|treated as errors?)\.?$$' || true; \
	  exit $$st

lint-format:
	@$(call need,command -v $(CLANG_FORMAT),clang-format)
	@echo "lint: clang-format"
	@$(CLANG_FORMAT) --dry-run -Werror $(LINT_C) $(LINT_H)
