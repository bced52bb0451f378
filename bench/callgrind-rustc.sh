#!/usr/bin/env bash
# A RUSTC_WRAPPER that runs the rustc of one crate under callgrind (every
# other crate as usual), for instruction counts of a build that timing on a
# busy machine cannot resolve (BENCHMARKS.md §3, "Per 1k codes, now").
#
#   CALLGRIND_CRATE=errspec_providers CALLGRIND_OUT=/tmp/cg.out \
#     RUSTC_WRAPPER=$PWD/bench/callgrind-rustc.sh cargo build -p errspec-providers ...
#
# The instruction total is on the "Collected" line of $CALLGRIND_OUT.log;
# `callgrind_annotate $CALLGRIND_OUT` shows where they went. The real rustc
# binary is run, not rustup's proxy, so only the compiler is counted.
set -euo pipefail
real="$(rustc --print sysroot)/bin/rustc"
shift # cargo passes the rustc it would have run
for arg in "$@"; do
    if [ "$arg" = "${CALLGRIND_CRATE:?}" ]; then
        exec valgrind --tool=callgrind --callgrind-out-file="${CALLGRIND_OUT:?}" \
            "$real" "$@" 2>"$CALLGRIND_OUT.log"
    fi
done
exec "$real" "$@"
