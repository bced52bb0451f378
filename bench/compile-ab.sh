#!/usr/bin/env bash
# What the generated code costs to compile at two commits, side by side
# (BENCHMARKS.md §3, "Generated code at two commits").
#
#   bench/compile-ab.sh BASE_REV [ROUNDS]
#
# Exports BASE_REV and HEAD (committed files only) to
# target/errspec-bench/ab/{base,head}, adds the synthetic catalogs of 1k and
# 10k codes to each tree's spec/, and runs that tree's own `cargo xtask gen`
# (each tree builds its generator once, in a target directory of its own).
# Then, ROUNDS times (default 5), alternating the trees, it rebuilds the
# `errspec-providers` crate of each (dependencies built, untimed) with all
# providers, with the 1k catalog alone, with the 10k catalog alone and with
# none, and records that one rustc run's CPU time (user + system, all
# threads) with `errspec-bench` as RUSTC_WRAPPER. Prints the best of each,
# and the generated lines per code of each tree.
set -euo pipefail
cd "$(dirname "$0")/.."

base_rev=${1:?usage: bench/compile-ab.sh BASE_REV [ROUNDS]}
rounds=${2:-5}
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
work=$target/errspec-bench/ab
export CARGO_INCREMENTAL=0 CARGO_PROFILE_DEV_DEBUG=0 CARGO_TERM_COLOR=never

cargo build -q -p errspec-bench --bin errspec-bench
bench=$target/debug/errspec-bench

rm -rf "$work/base" "$work/head" "$work/logs"
mkdir -p "$work/base" "$work/head" "$work/logs"
git archive "$base_rev" | tar -x -C "$work/base"
git archive HEAD | tar -x -C "$work/head"
# Each tree's shipped providers, before the synthetic ones join them.
declare -A shipped
for tree in base head; do
    shipped[$tree]=$(ls "$work/$tree/spec"/*.yaml | xargs -n1 basename | sed 's/\.yaml$//' | paste -sd,)
done
for tree in base head; do
    for n in 1000 10000; do
        "$bench" synth "synth$n" "$n" >"$work/$tree/spec/synth$n.yaml"
    done
    # xtask finds the tree from the path it was built at: build it there.
    (cd "$work/$tree" && CARGO_TARGET_DIR="$work/target-$tree" RUSTC_WRAPPER="$bench" \
        ERRSPEC_BENCH_RUSTC_LOG=/dev/null cargo xtask gen >/dev/null)
done

# One build of the providers crate; its rustc CPU seconds go to the log.
build() {
    local tree=$1 config=$2
    shift 2
    touch "$work/$tree/generated/src/lib.rs"
    local log=$work/logs/$tree-$config
    (cd "$work/$tree" && CARGO_TARGET_DIR="$work/target-$tree" RUSTC_WRAPPER="$bench" \
        ERRSPEC_BENCH_RUSTC_LOG="$log.run" cargo build -q -p errspec-providers "$@")
    awk -F'\t' '$1 == "errspec_providers" { print $3 }' "$log.run" >>"$log"
    rm -f "$log.run"
}

for tree in base head; do # dependencies, untimed
    build "$tree" warm --no-default-features --features synth1000,synth10000
done
for round in $(seq "$rounds"); do
    for tree in base head; do
        build "$tree" all --no-default-features --features "${shipped[$tree]}"
        build "$tree" synth1k --no-default-features --features synth1000
        build "$tree" synth10k --no-default-features --features synth10000
        build "$tree" none --no-default-features
    done
    echo "round $round of $rounds done" >&2
done

best() { sort -g "$work/logs/$1-$2" | head -1; }
echo "rustc CPU s of errspec-providers, best of $rounds (base $base_rev, head $(git rev-parse --short HEAD))"
printf '%-9s %8s %8s %8s\n' config base head head/base
for config in all synth1k synth10k none; do
    b=$(best base "$config")
    h=$(best head "$config")
    awk -v c="$config" -v b="$b" -v h="$h" 'BEGIN { printf "%-9s %8.2f %8.2f %8.2f\n", c, b, h, (b > 0 ? h / b : 0) }'
done
for tree in base head; do
    one=$(best "$tree" synth1k)
    ten=$(best "$tree" synth10k)
    awk -v t="$tree" -v a="$one" -v b="$ten" 'BEGIN { printf "%s: %.3f s per 1k codes between 1k and 10k\n", t, (b - a) / 9 }'
done
echo "generated lines per code (shipped catalogs: src/*.rs without the synthetic ones)"
for tree in base head; do
    src=$work/$tree/generated/src
    lines=$(cat $(ls "$src"/*.rs | grep -v '/synth') | wc -l)
    codes=$(cat $(ls "$src"/*.rs | grep -v '/synth') |
        grep -o 'static CODE_TEXTS: \[&str; [0-9]*usize\]' | grep -o '[0-9]*usize' | tr -d usize |
        awk '{ s += $1 } END { print s }')
    awk -v t="$tree" -v l="$lines" -v c="$codes" 'BEGIN { printf "%s: %d lines, %d codes, %.1f lines per code\n", t, l, c, l / c }'
done
