# gradexp - build, test and install.
# No flag here may change floating-point results: no -ffast-math, no -Ofast,
# and contraction is off so a*b+c is never fused behind our back (fmaf is
# written out where PyTorch fuses).
CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Wpedantic -ffp-contract=off -D_POSIX_C_SOURCE=200809L
LDLIBS  += -lm
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man/man1
CONFORMANCE_CASES ?= 400

SRC      := $(filter-out src/main.c,$(wildcard src/*.c))
OBJ      := $(SRC:.c=.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:.c=)

.PHONY: all test deps unit examples clean install uninstall conformance bench

all: gradexp

gradexp: src/main.o $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

src/%.o: src/%.c $(wildcard src/*.h)
	$(CC) $(CFLAGS) -c -o $@ $<

tests/test_%: tests/test_%.c $(OBJ) $(wildcard src/*.h) $(wildcard tests/*.h)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(OBJ) -lcmocka $(LDLIBS)

# Every cmocka suite, every example config against its expected output, and
# the command-line table (exit statuses and messages).
test: deps
	@$(MAKE) --no-print-directory unit examples

# cmocka is the one test dependency: installed when missing and we are root
# with apt-get (a fresh Debian machine or CI), otherwise the command to run.
deps:
	@if [ ! -f /usr/include/cmocka.h ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing libcmocka-dev"; \
	    apt-get update -qq && apt-get install -y -qq libcmocka-dev >/dev/null; \
	  else \
	    echo "make test needs cmocka: run 'sudo apt-get install -y libcmocka-dev'" >&2; exit 1; \
	  fi; \
	fi

unit: $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; ./$$t; done

examples: gradexp
	@sh tests/run_examples.sh ./gradexp
	@sh tests/run_cli.sh ./gradexp

# Compares gradexp with real PyTorch (needs python3-torch).
conformance: gradexp
	/usr/bin/python3 tests/conformance.py --gradexp ./gradexp --cases $(CONFORMANCE_CASES)

# Side-by-side benchmark with PyTorch (needs python3-torch); writes bench/results.md.
bench: gradexp
	/usr/bin/python3 bench/bench.py --gradexp ./gradexp --out bench/results.md

install: gradexp
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 755 gradexp $(DESTDIR)$(BINDIR)/gradexp
	install -m 644 gradexp.1 $(DESTDIR)$(MANDIR)/gradexp.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/gradexp $(DESTDIR)$(MANDIR)/gradexp.1

clean:
	rm -f gradexp src/*.o $(TEST_BIN)
