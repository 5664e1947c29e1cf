#!/usr/bin/env bash
# Idempotent toolchain setup for whodunnit (native CLI + wasm32 web app + browser tests).
#
# Why this exists: on machines that cannot reach the rustup host, `rustup target add
# wasm32-unknown-unknown` fails, so we fall back to Debian's rustc-web and build the wasm32
# standard library from Debian's matching rust-web-src once. Everything else (wasm-bindgen-cli
# pinned to Cargo.lock, Trunk, wasm-opt, Chromium + chromedriver, Firefox ESR + geckodriver, the
# browser tests' npm packages) comes from crates.io, Debian and npm, the only registries these
# machines reach.
#
# A second run finishes in seconds: every step checks what is already installed.
# Writes $WASM_ENV_FILE (default /opt/wasm-tools/env.sh); scripts/env.sh sources it.
# Knobs: WASM_FORCE_DEBIAN=1, WASM_DEB_PREFIX, WASM_ENV_FILE, TRUNK_VERSION, BINARYEN_VERSION,
# GECKODRIVER_VERSION, CARGO_FUZZ_VERSION.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock exactly.
WB=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' "$ROOT/Cargo.lock")
TRUNK=${TRUNK_VERSION:-0.22.1}; BINARYEN=${BINARYEN_VERSION:-132}; GECKO=${GECKODRIVER_VERSION:-0.37.1}
T=${WASM_TOOLS_ROOT:-/opt/wasm-tools}; P=${WASM_DEB_PREFIX:-/opt/rustweb}; TCNAME=$(basename "$P")
ENV_FILE=${WASM_ENV_FILE:-$T/env.sh}; export DEBIAN_FRONTEND=noninteractive
log() { echo "== setup $(date +%T) $*" >&2; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
APT_UPDATED=0
apt_update() { [ $APT_UPDATED = 1 ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }; }
apt_in() { local m=(); for p; do dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok' || m+=("$p"); done
  [ ${#m[@]} = 0 ] || { apt_update; $SUDO apt-get install -y -qq --no-install-recommends "${m[@]}" >/dev/null; }; }
has_wasm_std() { compgen -G "$("$@" --print target-libdir --target wasm32-unknown-unknown)/libstd-*.rlib" >/dev/null; }
# shellcheck disable=SC1090
[ -f ~/.cargo/env ] && . ~/.cargo/env
command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }

# 1. wasm32 std: official rustup target, else Debian rustc-web + a one-time wasm32 sysroot build
MODE=debian
if [ "${WASM_FORCE_DEBIAN:-0}" != 1 ]; then
  if has_wasm_std rustc || { timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && has_wasm_std rustc; }
  then MODE=rustup; else log "rustup target add failed -> Debian fallback"; fi
fi
if [ $MODE = debian ]; then
  apt-cache show rustc-web >/dev/null 2>&1 || apt_update
  V=$(apt-cache policy rustc-web | awk '/Candidate:/{print $2}'); MM=$(cut -d. -f1,2 <<<"$V")
  if [ "$(cat "$P/.installed" 2>/dev/null)" != "$V" ]; then
    LLVM=$(apt-cache show "libstd-rust-web-$MM=$V" | sed -n 's/^Depends:.*libllvm\([0-9]*\).*/\1/p')
    log "Debian rustc-web $V (LLVM $LLVM) -> $P"
    apt_in "libllvm$LLVM" "lld-$LLVM" libgit2-1.5 libssh2-1 libcurl4 libsqlite3-0 gcc libc6-dev
    rm -rf "$P"; mkdir -p "$P/debs"
    (cd "$P/debs" && apt-get download -qq -o APT::Sandbox::User=root rustc-web="$V" cargo-web="$V" \
      "libstd-rust-web-$MM=$V" libstd-rust-web-dev="$V" rust-web-llvm="$V" rust-web-src="$V" \
      rust-web-clippy="$V" rustfmt-web="$V")
    for d in "$P"/debs/*.deb; do dpkg -x "$d" "$P"; done
    rm -rf "$P/debs" "$P"/usr/src/rustc-*/{src,compiler,tests}   # keep library/ only
    ln -sfn "/usr/bin/lld-$LLVM" "$P/usr/bin/rust-lld"            # the deb's link is relative to /usr/bin
    ln -sfn "/usr/bin/lld-$LLVM" "$P/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
    [ -f "$P/usr/lib/rustlib/src/rust/library/Cargo.toml" ]
    for l in "$P"/usr/lib/x86_64-linux-gnu/*.so*; do ln -sfn "$l" "$P/usr/lib/"; done  # rustup adds <tc>/lib to LD path
    log "building wasm32 sysroot (-Zbuild-std, once)"
    B=$(mktemp -d); mkdir "$B/src"; : > "$B/src/lib.rs"
    printf '[package]\nname="sysroot-dummy"\nversion="0.0.0"\nedition="2021"\n' > "$B/Cargo.toml"
    (cd "$B" && env -u RUSTUP_TOOLCHAIN LD_LIBRARY_PATH="$P/usr/lib/x86_64-linux-gnu" RUSTC="$P/usr/bin/rustc" \
      RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Cembed-bitcode=yes CARGO_TARGET_DIR="$B/t" "$P/usr/bin/cargo" build -q \
      --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort,proc_macro,test)
    S="$P/usr/lib/rustlib/wasm32-unknown-unknown/lib"; mkdir -p "$S"
    find "$B/t/wasm32-unknown-unknown/release/deps" -maxdepth 1 -name 'lib*.r*' ! -name 'libsysroot_dummy*' -exec cp {} "$S" \;
    rm -rf "$B"; echo "$V" > "$P/.installed"
  fi
  rustup toolchain list | grep -q "^$TCNAME" || rustup toolchain link "$TCNAME" "$P/usr"
  has_wasm_std rustc "+$TCNAME"
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt >/dev/null 2>&1 || true

# 2. host tools: wasm-bindgen-cli (= Cargo.lock) and Trunk
export PATH="$T/bin:$PATH"; mkdir -p "$T/bin"
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WB" ]; then log "install wasm-bindgen-cli $WB"
  cargo install -q --root "$T" --force --locked wasm-bindgen-cli --version "=$WB" 2>/dev/null ||
  cargo install -q --root "$T" --force wasm-bindgen-cli --version "=$WB"   # a locked dep may be missing from the index
fi
if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK" ]; then
  # Trunk 0.22 needs rustc >= 1.96.1; use nightly when the default toolchain is older.
  TC=""; [ "$(printf '%s\n' 1.96.1 "$(rustc -V | cut -d' ' -f2)" | sort -V | head -1)" = 1.96.1 ] || TC=+nightly
  [ -z "$TC" ] || rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal >/dev/null
  log "install trunk $TRUNK ($TC)"
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo $TC install -q --root "$T" --force --locked trunk --version "=$TRUNK"
fi

# 2b. fuzzing in CI (scripts/test-all runs every fuzz target for a bounded time): the nightly
# toolchain (libFuzzer's sanitizer flags) and cargo-fuzz, pinned.
FUZZ=${CARGO_FUZZ_VERSION:-0.13.2}
rustup toolchain list | grep -q '^nightly' || { log "install nightly (fuzzing)"; rustup toolchain install nightly --profile minimal >/dev/null; }
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $FUZZ" ]; then log "install cargo-fuzz $FUZZ"
  cargo install -q --force --locked cargo-fuzz --version "=$FUZZ"
fi

# 3. wasm-opt from npm binaryen (Debian's binaryen cannot parse what current rustc emits)
if ! wasm-opt --version 2>/dev/null | grep -q "version_$BINARYEN"; then log "npm binaryen@$BINARYEN"
  mkdir -p "$T/binaryen"; npm install -s --no-audit --no-fund --prefix "$T/binaryen" "binaryen@$BINARYEN" >/dev/null
  for b in wasm-opt wasm-dis wasm-as; do ln -sfn "$T/binaryen/node_modules/binaryen/bin/$b" "$T/bin/$b"; done
fi

# 4. browsers for the end-to-end tests, each test runs in both: Chromium driven by playwright-core
#    (never downloads a browser), Firefox ESR by selenium-webdriver over WebDriver BiDi through
#    geckodriver (crates.io; Playwright cannot drive a stock Firefox)
apt_in chromium chromium-driver firefox-esr
if [ "$(geckodriver --version 2>/dev/null | head -1)" != "geckodriver $GECKO" ]; then log "install geckodriver $GECKO"
  cargo install -q --root "$T" --force --locked geckodriver --version "=$GECKO"
fi
NPM_LOCK=$(sha256sum "$ROOT/tests/browser/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$ROOT/tests/browser/node_modules/.lock-sha256" 2>/dev/null)" != "$NPM_LOCK" ]; then log "npm ci tests/browser"
  (cd "$ROOT/tests/browser" && npm ci -s --no-audit --no-fund >/dev/null && echo "$NPM_LOCK" > node_modules/.lock-sha256)
fi

# 5. SQL engines for the Parquet export's tests (sql/, tests/sql): DuckDB and pyspark from PyPI in
#    a venv, Spark's JVM from Debian. Pinned so CI measures what was measured here.
apt_in python3-venv openjdk-17-jre-headless
PY="$T/sql-venv"; SQL_PINS="duckdb==${DUCKDB_VERSION:-2.0.1} pyspark==${PYSPARK_VERSION:-4.3.0}"
if [ "$(cat "$PY/.pins" 2>/dev/null)" != "$SQL_PINS" ]; then log "venv $PY: $SQL_PINS"
  rm -rf "$PY"; /usr/bin/python3 -m venv "$PY"
  # shellcheck disable=SC2086
  "$PY/bin/pip" install -q --no-input $SQL_PINS && echo "$SQL_PINS" > "$PY/.pins"
fi

# 6. env file
{ echo "export WASM_TOOLCHAIN_MODE=$MODE PATH=\"$T/bin:\$PATH\" CHROMEDRIVER=/usr/bin/chromedriver"
  echo "export WHODUNNIT_SQL_PYTHON=$PY/bin/python JAVA_HOME=\${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
  [ $MODE = rustup ] || echo "export RUSTUP_TOOLCHAIN=$TCNAME   # Debian rustc for native AND wasm"
} > "$ENV_FILE"
log "ready (mode=$MODE)"
