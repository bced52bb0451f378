#!/usr/bin/env bash
# What depending on errspec costs a user's cold build (BENCHMARKS.md §6,
# issue 15 §4).
#
# usage: bench/cold-build.sh [ROUNDS] [CONFIG...]
#   CONFIG: plain client default macros providers catalog
#   (default: plain client macros providers; `plain` is always measured)
#
# A scratch directory (target/errspec-bench/cold/) holds minimal user crates,
# each its own workspace, with path dependencies on this one and a copy of
# its Cargo.lock (same versions everywhere). Every one depends on
#   reqwest = { version = "0.13", default-features = false, features = ["json", "rustls"] }
#   tokio   = { version = "1", features = ["rt", "macros"] }
# (reqwest with exactly the features errspec's client enables: rustls with
# aws-lc-rs, no OpenSSL), and:
#   plain      nothing else: one POST with reqwest
#   client     errspec, `default-features = false, features = ["client"]`,
#              and TopMail's checked-in generated module (src/topmail.rs);
#              the POST goes through errspec::Client
#   default    the same with errspec's default features (today `client`
#              only: the same build as `client`)
#   macros     `features = ["client", "macros"]`, the checked-in module:
#              what compiling the proc-macros costs
#   providers  errspec's default features and errspec-providers with one
#              provider (`default-features = false, features = ["topmail"]`)
#              instead of the checked-in module
#   catalog    `client` and `macros`, the module from `errspec::catalog!`
# Each measurement is a dev `cargo build --offline` (the user's default dev
# profile, CARGO_INCREMENTAL=0) into a fresh, empty CARGO_TARGET_DIR. The
# figure is CPU time: user + system of cargo and every process it ran
# (GNU time's %U + %S, from wait4's rusage of the whole reaped tree), which
# other work on the machine moves far less than wall time (a few percent,
# from cache contention); wall time is printed too. Configurations are interleaved (plain, client, macros,
# providers, plain, client, ...), ROUNDS times (default 2); per config the
# ratio to `plain` of the same round, then the median over rounds.
# Also printed: distinct packages of each crate's normal dependency tree
# (`cargo tree -e normal --prefix none`, with the "(*)" repeat marks
# dropped, `sort -u | wc -l`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-2}"
shift || true
configs=(plain)
for c in "${@:-client macros providers}"; do
    for w in $c; do [ "$w" = plain ] || configs+=("$w"); done
done
work="$root/target/errspec-bench/cold"
mkdir -p "$work"
unset CARGO_PROFILE_DEV_DEBUG CARGO_PROFILE_TEST_DEBUG CARGO_TARGET_DIR RUSTFLAGS CARGO_BUILD_JOBS
export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never

# scratch NAME DEPS MAIN: a crate `NAME` with dependency lines DEPS and
# src/main.rs MAIN.
scratch() {
    local dir="$work/$1"
    rm -rf "$dir"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "cold-$1"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["json", "rustls"] }
tokio = { version = "1", features = ["rt", "macros"] }
$2
TOML
    printf '%s\n' "$3" > "$dir/src/main.rs"
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
}

plain_main='#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:9/".into());
    match reqwest::Client::new().post(url).body("{}").send().await {
        Ok(response) => println!("{}", response.status()),
        Err(error) => eprintln!("{error}"),
    }
}'
client_main() { # $1: how the module comes in; $2: its path
    cat <<RS
$1

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(1).unwrap_or_else(|| "http://127.0.0.1:9/".into());
    let client = errspec::Client::<$2::Error>::new(reqwest::Client::new(), Default::default());
    let request = client.request(reqwest::Method::POST, url).body("{}");
    match client.send(request, errspec::SendOptions::default()).await {
        Ok(response) => println!("{}", response.status()),
        Err(failure) => eprintln!("{failure}"),
    }
}
RS
}

errspec_dep() { echo "errspec = { path = \"$root/runtime\"$1 }"; }
scratch plain "" "$plain_main"
scratch client "$(errspec_dep ', default-features = false, features = ["client"]')" "$(client_main 'mod topmail;' topmail)"
cp "$root/generated/src/topmail.rs" "$work/client/src/topmail.rs"
scratch default "$(errspec_dep '')" "$(client_main 'mod topmail;' topmail)"
cp "$root/generated/src/topmail.rs" "$work/default/src/topmail.rs"
scratch macros "$(errspec_dep ', default-features = false, features = ["client", "macros"]')" "$(client_main 'mod topmail;' topmail)"
cp "$root/generated/src/topmail.rs" "$work/macros/src/topmail.rs"
scratch providers "$(errspec_dep '')
errspec-providers = { path = \"$root/generated\", default-features = false, features = [\"topmail\"] }" \
    "$(client_main '' errspec_providers::topmail)"
scratch catalog "$(errspec_dep ', default-features = false, features = ["client", "macros"]')" \
    "$(client_main 'errspec::catalog!("topmail.yaml");' topmail)"
cp "$root/spec/topmail.yaml" "$work/catalog/topmail.yaml"

# Downloads are not part of a build: fetch everything first; count packages.
declare -A crates
for name in "${configs[@]}"; do
    (cd "$work/$name" && cargo fetch --quiet)
    crates[$name]=$(cd "$work/$name" && cargo tree --offline -e normal --prefix none |
        sed 's/ (\*)$//' | sort -u | wc -l)
done

# build NAME: prints "WALL CPU" of a cold build of crate NAME.
build() {
    local dir="$work/$1" target
    target="$(mktemp -d "$work/target.XXXXXX")"
    CARGO_TARGET_DIR="$target" /usr/bin/time -o "$dir/time.txt" -f '%e %U %S' \
        cargo build --offline --quiet --manifest-path "$dir/Cargo.toml" 2> "$dir/build.log" || {
        echo "build of $1 failed:" >&2; cat "$dir/build.log" >&2; rm -rf "$target"; exit 1; }
    rm -rf "$target"
    awk '{ printf "%.1f %.1f\n", $1, $2 + $3 }' "$dir/time.txt"
}

results="$work/results.txt"
: > "$results"
{
    echo "# $(date -u +%FT%TZ) $(git -C "$root" rev-parse --short HEAD) nproc=$(nproc)" \
        "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') $(rustc --version)"
} | tee -a "$results"
for ((round = 1; round <= rounds; round++)); do
    for name in "${configs[@]}"; do
        read -r wall cpu < <(build "$name")
        echo "build $round $name $wall $cpu" >> "$results"
        printf 'round %d  %-9s wall %7.1f s  cpu %7.1f s  (load %s)\n' "$round" "$name" "$wall" "$cpu" \
            "$(cut -d' ' -f1 /proc/loadavg)"
    done
done
echo
printf '%-10s %9s %22s %26s\n' config packages "cpu s (median)" "cpu ratio med (min-max)"
for name in "${configs[@]}"; do
    awk -v c="$name" -v pk="${crates[$name]}" '
        $1 == "build" && $3 == "plain" { p[$2] = $5 }
        $1 == "build" && $3 == c { x[$2] = $5; n++ }
        function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        END { for (r = 1; r <= n; r++) { s[r] = x[r]; q[r] = x[r] / p[r] }
            ms = med(s, n); mq = med(q, n)
            printf "%-10s %9d %22.1f %16.3f (%.3f-%.3f)\n", c, pk, ms, mq, q[1], q[n] }' "$results"
done | tee -a "$results"
