#!/usr/bin/env bash
# Build the libFuzzer targets of Fuzz/ (docs/testing.md, Fuzzing) and run each for
# FUZZ_SECONDS (default 60). Fails when any target finds a crash, a property violation, a
# timeout or a leak; the input that did it is kept in run/fuzz/crashes/ and the command that
# replays it is printed.
#
#   FUZZ_SECONDS=10 scripts/fuzz.sh             every target, 10 s each
#   FUZZ_TARGETS="FuzzJSON FuzzJWT" scripts/fuzz.sh
#   FUZZ_BUILD_ONLY=1 scripts/fuzz.sh           build the targets and stop (`make fuzz-build`)
#
# Each target's corpus grows in run/fuzz/corpus/<target> (kept between runs, so later runs start
# where earlier ones stopped); the seeds in Fuzz/Corpus/<target> are read, never written.
set -uo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-"FuzzJSON FuzzJWT FuzzQuery FuzzCGIParameters FuzzHeaders FuzzRequestBody FuzzCacheEntry"}
# Debug (-Onone) keeps Swift's overflow and bounds checks and is quick to compile; the
# sanitizer coverage guides the search either way.
BUILD=("$SWIFT" build --package-path Fuzz -Xswiftc -sanitize=fuzzer,address)

# The app's modules are a path dependency of Fuzz/: SwiftPM's kept build plan does not see a
# source file added to them ("cannot find ... in scope"); planning again costs a fraction of a second.
rm -f Fuzz/.build/debug.yaml

# ld.gold warns once per ASan helper symbol ("Cannot export local symbol"): noise, not news.
if ! "${BUILD[@]}" 2>&1 | grep -v "Cannot export local symbol"; then
    echo "fuzz: build failed" >&2
    exit 1
fi
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0
bin=$("${BUILD[@]}" --show-bin-path)

# libFuzzer prints the stack of a crash itself; Swift's backtracer would then read the crashed
# stack from another thread, which AddressSanitizer reports as a second, bogus error.
export SWIFT_BACKTRACE=enable=no
mkdir -p run/fuzz/crashes
failed=()
for target in $FUZZ_TARGETS; do
    corpus=run/fuzz/corpus/$target
    log=run/fuzz/$target.log
    mkdir -p "$corpus"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: so is one taking 2 GB.
    "$bin/$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="run/fuzz/crashes/$target-" "$corpus" "Fuzz/Corpus/$target" >"$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    if [ $status -eq 0 ]; then
        echo "fuzz: $target ok: ${runs:-?} inputs in ${FUZZ_SECONDS} s, ${coverage:-cov: ?} edges"
    else
        failed+=("$target")
        echo "fuzz: $target FAILED (exit $status); last lines of $log:" >&2
        grep -v '^#\|^INFO\|^stat::' "$log" | tail -25 >&2
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        [ -n "$artifact" ] && echo "fuzz: replay with: $bin/$target $artifact" >&2
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
