#!/usr/bin/env bash
# What depending on errspec costs a user's cold build (BENCHMARKS.md §6).
#
# usage: bench/cold-build.sh [ROUNDS] [CONFIG...]
#   CONFIG: client default macro providers (all four by default)
#
# A scratch directory (target/errspec-bench/cold/) holds minimal user crates,
# each its own workspace, with path dependencies on this one and a copy of
# its Cargo.lock (same versions everywhere):
#   plain      reqwest 0.13 (default features) and tokio: one POST
#   client     + errspec, `default-features = false, features = ["client"]`,
#              and TopMail's checked-in generated module (src/topmail.rs);
#              the POST goes through errspec::Client
#   default    the same with errspec's default features (client + macros)
#   macro      default features, the module from `errspec::catalog!` instead
#   providers  errspec (client) + errspec-providers with one provider
#              (`default-features = false, features = ["topmail"]`)
# Each measurement is a dev `cargo build --offline` from an empty target
# directory with CARGO_INCREMENTAL=0 and the user's default dev profile.
# Builds run in pairs, back to back: `plain` then CONFIG (CONFIG first in
# even rounds), and the ratio CONFIG / plain is taken within the pair, so
# load that other work puts on the machine moves both sides of a ratio.
# Printed: one line per build, then per config the ratios of wall time and of
# CPU time (user + system of cargo and everything it ran), min / median / max.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
shift || true
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(client default macro providers)
work="$root/target/errspec-bench/cold"
mkdir -p "$work"
unset CARGO_PROFILE_DEV_DEBUG CARGO_TARGET_DIR RUSTFLAGS
export CARGO_INCREMENTAL=0

# scratch NAME DEPS MAIN: a crate `NAME` with dependency lines DEPS and
# src/main.rs MAIN.
scratch() {
    local dir="$work/$1"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "cold-$1"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
reqwest = "0.13"
tokio = { version = "1", features = ["rt", "macros"] }
$2
TOML
    printf '%s\n' "$3" > "$dir/src/main.rs"
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
    rm -f "$dir/src/topmail.rs" "$dir/topmail.yaml"
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
scratch macro "$(errspec_dep '')" "$(client_main 'errspec::catalog!("topmail.yaml");' topmail)"
cp "$root/spec/topmail.yaml" "$work/macro/topmail.yaml"
scratch providers "$(errspec_dep ', default-features = false, features = ["client"]')
errspec-providers = { path = \"$root/generated\", default-features = false, features = [\"topmail\"] }" \
    "$(client_main '' errspec_providers::topmail)"

# Downloads are not part of a build: fetch everything first.
for name in plain client default macro providers; do
    (cd "$work/$name" && cargo fetch --quiet)
done

# build NAME: prints "WALL CPU" of a cold build of crate NAME.
build() {
    local dir="$work/$1"
    rm -rf "$dir/target"
    local start end cpu0 cpu1
    cpu0=$(awk '{print $14+$15+$16+$17}' /proc/$BASHPID/stat)
    start=$(date +%s.%N)
    (cd "$dir" && cargo build --offline --quiet 2> "$dir/build.log") || {
        echo "build of $1 failed:" >&2; cat "$dir/build.log" >&2; exit 1; }
    end=$(date +%s.%N)
    cpu1=$(awk '{print $14+$15+$16+$17}' /proc/$BASHPID/stat)
    local ticks; ticks=$(getconf CLK_TCK)
    rm -rf "$dir/target"
    echo "$(echo "$end - $start" | bc -l) $(echo "($cpu1 - $cpu0) / $ticks" | bc -l)"
}

results="$work/results.txt"
: > "$results"
echo "# $(date -u +%FT%TZ) $(git -C "$root" rev-parse --short HEAD) nproc=$(nproc)" | tee -a "$results"
for ((round = 1; round <= rounds; round++)); do
    for config in "${configs[@]}"; do
        if ((round % 2)); then order=(plain "$config"); else order=("$config" plain); fi
        for name in "${order[@]}"; do
            read -r wall cpu < <(build "$name")
            eval "t_$name=\"$wall $cpu\""
            printf 'round %d  %-9s wall %7.1f s  cpu %7.1f s  (load %s)\n' "$round" "$name" "$wall" "$cpu" \
                "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results"
        done
        read -r pw pc <<< "$t_plain"
        eval "read -r cw cc <<< \"\$t_$config\""
        echo "ratio $config $(echo "$cw / $pw" | bc -l) $(echo "$cc / $pc" | bc -l)" >> "$results"
    done
done
echo
echo "config     wall ratio min / median / max    cpu ratio min / median / max   (over $rounds pairs)"
for config in "${configs[@]}"; do
    grep "^ratio $config " "$results" | awk -v c="$config" '
        { w[NR] = $3; u[NR] = $4 }
        function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        END { n = NR; mw = med(w, n); lw = w[1]; hw = w[n]; mu = med(u, n); lu = u[1]; hu = u[n]
            printf "%-10s %.2f / %.2f / %.2f                %.2f / %.2f / %.2f\n", c, lw, mw, hw, lu, mu, hu }'
done | tee -a "$results"
