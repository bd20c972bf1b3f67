#!/usr/bin/env bash
# How the release profile was chosen (docs/performance.md, "Release profile"). For each variant:
#  1. build a representative set of function binaries and the hello-world in a target
#     directory of its own (timed; from scratch the first time);
#  2. rebuild them as after an edit of `shared` (the workspace crates' fingerprints removed:
#     recompile shared and the domain crates, link every binary again), timed: what a
#     developer pays per change, and per binary of the ~60;
#  3. run the benchmark driver on them: cold starts, warm latency through the local cloud,
#     peak RSS, sizes.
# Results: target/profile-study/<variant>.json and <variant>.build.json;
# `tools/bench/study_report.py` turns them into bench/profile-study.md.
# Run after `make bench` (it needs the driver and a full release build for the functions the
# benchmark's fixture uses). About 5 minutes per variant on 2 cores. `profile-study.sh
# <variant>` runs one; SKIP_MEASURED=1 skips the measurement of variants that have a result.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
STUDY=${STUDY:-$ROOT/target/profile-study}
BASE_RELEASE=${BASE_RELEASE:-$ROOT/target/release}
DRIVER=$ROOT/target/bench/driver/bench
BINS=(users-get-me users-sign-in assessments-submit-attempt assessments-outbox-relay notifications-consumer)
CRATES=(shared users assessments notifications)
FUNCTIONS=UsersGetMeFunction,UsersSignInFunction,AssessmentsSubmitAttemptFunction,AssessmentsOutboxRelayFunction,NotificationsConsumerFunction
mkdir -p "$STUDY"

# The crates whose inner loops are the functions' CPU time: token signatures
# (curve25519-dalek, ed25519-dalek, sha2), SigV4 (sha2, hmac) and Argon2id (argon2, blake2).
# Cargo.toml optimises them for speed; "nocrypto3" gives them the profile's opt-level back.
CRYPTO=(curve25519-dalek ed25519-dalek sha2 hmac argon2 blake2)
package_opt() { local out=""; for c in "${CRYPTO[@]}"; do out+="|profile.release.package.\"$c\".opt-level=$1"; done; echo "$out"; }
NOCRYPTO3=$(package_opt '"z"')
# name|opt-level|lto|codegen-units|panic[|extra --config ...]. "current" measures the
# project's own release build (target/release, as `make bench` left it) without building.
# The project's profile is z|true|1|abort with the crypto crates at 3.
VARIANTS=(
  "current|-|-|-|-"
  "z-unwind-nocrypto3|z|true|1|unwind$NOCRYPTO3"
  "z-unwind|z|true|1|unwind"
  "s-abort|s|true|1|abort"
  "3-abort|3|true|1|abort"
  "3-thin-cgu16-abort|3|thin|16|abort"
  "z-thin-cgu16-abort|z|thin|16|abort"
)
only=${1:-}
measure() { # name, bins dir, hello
  if [[ "${SKIP_MEASURED:-}" == 1 && -f "$STUDY/$1.json" ]]; then return; fi
  echo "== $1: measuring"
  BENCH_SKIP_BUILD=1 BENCH_SKIP_IN_PROCESS=1 BENCH_FUNCTIONS=$FUNCTIONS BENCH_REQUESTS=${BENCH_REQUESTS:-300} \
    BENCH_RELEASE_DIR=$2 BENCH_HELLO=$3 BENCH_OUT=$STUDY/$1.json "$DRIVER"
}
for v in "${VARIANTS[@]}"; do
  IFS='|' read -r name opt lto cgu panic extras <<<"$v"
  if [[ -n "$only" && "$only" != "$name" ]]; then continue; fi
  if [[ "$name" == "current" ]]; then
    measure current "$BASE_RELEASE" "$ROOT/target/bench/release/bench-hello"
    continue
  fi
  dir=$STUDY/$name
  [[ "$opt" =~ ^[0-9]$ ]] || opt="\"$opt\""
  configs=(--config "profile.release.opt-level=$opt" --config "profile.release.codegen-units=$cgu"
           --config "profile.release.panic=\"$panic\"" --config "profile.release.strip=true")
  if [[ "$lto" == "true" ]]; then configs+=(--config "profile.release.lto=true"); else configs+=(--config "profile.release.lto=\"$lto\""); fi
  IFS='|' read -r -a extra <<<"${extras#|}"
  for e in "${extra[@]}"; do [[ -n "$e" ]] && configs+=(--config "$e"); done
  bin_args=(); for b in "${BINS[@]}"; do bin_args+=(--bin "$b"); done
  echo "== $name: building ${BINS[*]}"
  t0=$(date +%s.%N)
  CARGO_TARGET_DIR=$dir cargo build --quiet --release "${configs[@]}" "${bin_args[@]}"
  t1=$(date +%s.%N)
  for c in "${CRATES[@]}"; do rm -rf "$dir"/release/.fingerprint/"$c"-*; done
  CARGO_TARGET_DIR=$dir cargo build --quiet --release "${configs[@]}" "${bin_args[@]}"
  t2=$(date +%s.%N)
  cp Cargo.lock bench/Cargo.lock
  CARGO_TARGET_DIR=$dir/bench cargo build --quiet --release --manifest-path bench/Cargo.toml -p bench-hello "${configs[@]}"
  # The variant's binaries over the base build, for the functions the fixture needs.
  bins=$dir/bins; rm -rf "$bins"; mkdir -p "$bins"
  for f in "$BASE_RELEASE"/*; do [[ -f "$f" && -x "$f" ]] && ln -s "$f" "$bins/$(basename "$f")"; done
  for b in "${BINS[@]}"; do ln -sf "$dir/release/$b" "$bins/$b"; done
  echo "{\"variant\": \"$name\", \"buildSeconds\": $(echo "$t1 - $t0" | bc), \"rebuildAfterSharedEditSeconds\": $(echo "$t2 - $t1" | bc), \"binaries\": ${#BINS[@]}, \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" > "$STUDY/$name.build.json"
  measure "$name" "$bins" "$dir/bench/release/bench-hello"
done
