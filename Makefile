# library-api — build, run locally, test. `make help` lists the targets.
#
#   make run     install what is missing, build (release), start MariaDB + memcached + the app
#                under spawn-fcgi + nginx on 127.0.0.1:$(PORT); Ctrl-C stops everything
#   make test    install what is missing, swift format lint, build, unit tests (no server),
#                integration tests (private mariadbd and memcached), end-to-end tests through
#                nginx and lighttpd (pytest, Tests/e2e), the short fault drills, then every fuzz
#                target for TEST_FUZZ_SECONDS (10 s) each
#   make fuzz    build the libFuzzer targets of Fuzz/ and run each for FUZZ_SECONDS (60 s);
#                fails on a crash (docs/testing.md)
#   make tsan    the unit tests under the thread sanitizer, in a build of their own (.build-tsan)
#   make cluster build (release), then a 3-node MariaDB Galera cluster, 2 memcached servers and two
#                app hosts (app + nginx each, on nodes 1 and 2) under run/cluster; Ctrl-C stops
#   make test-cluster   build, then the cluster tests (Tests/cluster: races on two nodes, two
#                migrators at once, a node killed and one cut off, a memcached server killed and
#                frozen, under load; docs/cluster.md); not part of make test
#   make bench   build (release), then wrk against a stack of its own under run/bench: every
#                scenario beside a C FastCGI hello, req/s, p50/p99/p99.9, CPU µs and context
#                switches per request; appended to run/bench-results.jsonl and compared with the
#                previous bench (BENCH_FLAGS="--quick" for a one-minute smoke run, "--runs 5";
#                all options: python3 -m tools.bench --help)
#   make drills  build (release), then the fault drills under load, each against a stack of its
#                own under run/drills (kill -9 of an app process, rolling restart, nginx reload,
#                memcached killed / frozen, MariaDB stopped / killed / its connections killed, a
#                slow loris): a table of figures, exit 1 if one is not met (DRILLS_FLAGS="--quick":
#                the short version `make test` runs; docs/drills.md)
#   make soak    build (release), then SOAK_MINUTES (default 30) of mixed load through nginx:
#                RSS per process and p99 per minute, errors (not part of make test)
#   make bench-reports  build (release), then the reports' timings on a seeded history of
#                100,000 books and 1,000,000 loans under run/bench-reports (seeded once, a few
#                minutes): uncached popular and overdue pages through nginx; exit 1 over 100 ms
#   make bench-check BASE=<commit>   build BASE (default HEAD) in run/bench-base beside this
#                tree and measure both binaries in one interleaved run: fails when this tree's
#                CPU per request is more than 10 % above BASE's (not part of make test)
#   make bench-instructions BASE=<commit>   the same pair of binaries under valgrind's callgrind:
#                instructions per request of the read scenarios, deterministic (user space only);
#                fails above 2 % over BASE's (docs/performance.md, "Instructions per request")

SWIFT       ?= swift
# e.g. SWIFT_FLAGS="--scratch-path .build-mine" to build beside another build in progress
SWIFT_FLAGS ?=
# tools/devstack needs only the standard library; the e2e tests use Debian's python3, which
# has python3-pytest and python3-requests (scripts/install-deps.sh)
PYTHON      ?= python3
TEST_PYTHON ?= /usr/bin/python3
# `make run PORT=9000 SERVER=lighttpd`, or PORT=9000 in the environment
PORT        ?= 8080
SERVER      ?= nginx
# options of tools/bench (`python3 -m tools.bench --help`), for bench and bench-check
BENCH_FLAGS ?=
# options of tools/bench/reports.py (`python3 -m tools.bench.reports --help`), for bench-reports
REPORTS_FLAGS ?=
# options of tools/drills (`python3 -m tools.drills --help`), e.g. "--quick --only db-stop"
DRILLS_FLAGS ?=
SOAK_MINUTES ?= 30
# the commit bench-check compares with
BASE        ?= HEAD
# seconds each fuzz target runs in `make fuzz`, and in the short run of `make test`
FUZZ_SECONDS      ?= 60
TEST_FUZZ_SECONDS ?= 10
# the unit tests `make tsan` runs (a swift test --filter); empty: all of them
TSAN_FILTER ?=
# left out under the sanitizer: a timing comparison (a wrong password against a real hash must
# cost what the dummy check costs), meaningless when the sanitizer slows our Swift code 5-15x
# and not libcrypto's scrypt; `make test` runs it
TSAN_SKIP   ?= dummyVerificationIsFalseAndCostsTheSame

.PHONY: help install-deps build run cluster stop test format-lint unit-test integration-test e2e-test test-cluster quick-drills drills soak fuzz fuzz-build tsan bench bench-check bench-instructions bench-reports clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))
	@echo "  other targets: install-deps build stop unit-test integration-test e2e-test quick-drills fuzz-build clean"

# Debian packages, then the API documents' tools (Swagger UI assets for /api/docs, and the
# venv of schemathesis and openapi-spec-validator, chromium): both quick when all is there.
install-deps:
	@scripts/install-deps.sh
	@scripts/install-test-tools.sh

build: install-deps
	$(SWIFT) build $(SWIFT_FLAGS) -c release --product library-app

run: build
	$(PYTHON) -m tools.devstack run --port $(PORT) --server $(SERVER) \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/library-app"

cluster: build
	$(PYTHON) -m tools.devstack cluster \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/library-app"

# Release build, like `make run`: the figures of a debug build say little.
bench: build
	$(PYTHON) -m tools.bench $(BENCH_FLAGS) \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/library-app"

# The same release build against BASE's, built with a scratch path of its own under run/.
bench-check: build
	$(PYTHON) -m tools.bench --base "$(BASE)" $(BENCH_FLAGS) \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/library-app"

# The same pair counted by callgrind: 4 connections (the counted app is ~50x slower), one run.
bench-instructions: build
	$(PYTHON) -m tools.bench --base "$(BASE)" --instructions --connections 4 --runs 1 --duration 6 \
	    --warmup 1 $(BENCH_FLAGS) \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/library-app"

# The reports on a long history (tools/bench/reports.py; options: REPORTS_FLAGS="--repeat 9").
bench-reports: build
	$(PYTHON) -m tools.bench.reports $(REPORTS_FLAGS) \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/library-app"

# The drills and the soak use Debian's python3 with requests, like the e2e tests.
drills: build
	$(TEST_PYTHON) -m tools.drills $(DRILLS_FLAGS) \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/library-app"

soak: build
	$(TEST_PYTHON) -m tools.drills.soak --minutes $(SOAK_MINUTES) \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) -c release --show-bin-path)/library-app"

# Stop whatever a killed `make run` or test session left running (by recorded PID).
stop:
	$(PYTHON) -m tools.devstack stop

# Debug builds for the tests: much quicker to compile than release on 2 cores, and `swift test`
# needs the debug build anyway, so the e2e tests run the same binary it just built.
test: install-deps format-lint
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	$(MAKE) --no-print-directory fuzz-build
	$(MAKE) --no-print-directory unit-test integration-test e2e-test quick-drills
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

# Unit tests need no server and no network. The integration targets (names ending in
# IntegrationTests) start private mariadbd and memcached processes of their own.
# The tree as `swift format` writes it (.swift-format); `swift format format -i -r Sources Tests
# Fuzz Package.swift` fixes what this reports.
format-lint:
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Sources Tests Fuzz Package.swift

unit-test:
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build --skip IntegrationTests

integration-test:
	$(SWIFT) test $(SWIFT_FLAGS) --skip-build --filter IntegrationTests

# pytest exits 5 when it collects no test: that fails the target, so an empty run cannot pass.
e2e-test:
	LIBRARY_APP="$$($(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)/library-app" \
	    $(TEST_PYTHON) -m pytest Tests/e2e -q -p no:cacheprovider

# The short drills (about 2 minutes) on the debug build the tests use.
quick-drills:
	$(TEST_PYTHON) -m tools.drills --quick \
	    --binary "$$($(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)/library-app"

# A package of its own (Fuzz/Package.swift), built with -sanitize=fuzzer,address in Fuzz/.build.
fuzz:
	SWIFT="$(SWIFT)" FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# The fuzz targets call internal APIs the other builds do not: built first by `make test`, so
# that a changed signature fails in its first minutes, not after the end-to-end tests.
fuzz-build:
	SWIFT="$(SWIFT)" FUZZ_BUILD_ONLY=1 scripts/fuzz.sh

# A scratch path of its own: a sanitized build would otherwise replace the debug build that
# `make test` and the e2e tests use. The tests that need MariaDB or memcached start their own.
tsan:
	$(SWIFT) build --scratch-path .build-tsan --build-tests --sanitize=thread
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	    $(SWIFT) test --scratch-path .build-tsan --skip-build --sanitize=thread \
	    $(if $(TSAN_FILTER),--filter '$(TSAN_FILTER)') $(if $(TSAN_SKIP),--skip '$(TSAN_SKIP)')

# The debug build of `make test`. Its own pytest run: a cluster takes a minute to start, and the
# e2e run must not skip cluster tests it did not run.
test-cluster: install-deps
	$(SWIFT) build $(SWIFT_FLAGS) --build-tests
	LIBRARY_APP="$$($(SWIFT) build $(SWIFT_FLAGS) --show-bin-path)/library-app" \
	    $(TEST_PYTHON) -m pytest Tests/cluster -q -p no:cacheprovider

clean: stop
	rm -rf run .build-tsan Fuzz/.build
	$(SWIFT) package $(SWIFT_FLAGS) clean
