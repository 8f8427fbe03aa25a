#!/usr/bin/env bash
# Sets up everything Flowbook needs to build, serve and test, on a fresh Debian machine
# (run as root) or a developer's. Idempotent: each step checks first and skips what is
# already there, so a second run takes seconds.
#
#   bash scripts/setup.sh           # everything (build, serve, all tests)
#   bash scripts/setup.sh --serve   # only what `scripts/run.sh` needs to build and serve
#
# Environment:
#   FLOWBOOK_VENV   the Python venv with the reference tools (default ~/.cache/flowbook/venv)
#   FLOWBOOK_MLFLOW2_VENV  MLflow 2.22 for the proxy test (default ~/.cache/flowbook/venv-mlflow2)
#   FLOWBOOK_EVIDENTLY_VENV  Evidently, the monitoring oracle (default ~/.cache/flowbook/venv-evidently)
#   FLOWBOOK_TOOLS  npm build tools, i.e. binaryen's wasm-opt (default ~/.cache/flowbook/tools)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

MODE=all
case "${1:-}" in
  "") ;;
  --serve) MODE=serve ;;
  *) echo "usage: $0 [--serve]" >&2; exit 2 ;;
esac

TRUNK_VERSION=0.21.14
FLOWBOOK_VENV="${FLOWBOOK_VENV:-$HOME/.cache/flowbook/venv}"
FLOWBOOK_MLFLOW2_VENV="${FLOWBOOK_MLFLOW2_VENV:-$HOME/.cache/flowbook/venv-mlflow2}"
FLOWBOOK_EVIDENTLY_VENV="${FLOWBOOK_EVIDENTLY_VENV:-$HOME/.cache/flowbook/venv-evidently}"
FLOWBOOK_TOOLS="${FLOWBOOK_TOOLS:-$HOME/.cache/flowbook/tools}"
START=$SECONDS
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
skip() { printf '\033[0;32m[setup]\033[0m %s: present, skipped\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- Rust toolchain (pinned by rust-toolchain.toml) -------------------------------------
TOOLCHAIN="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)"
if ! command -v rustup >/dev/null; then
  echo "rustup is missing: install Rust from your distribution or rustup first" >&2
  exit 1
fi
if rustup toolchain list | grep -q "^${TOOLCHAIN}"; then
  skip "Rust toolchain ${TOOLCHAIN}"
else
  say "installing Rust toolchain ${TOOLCHAIN}"
  rustup toolchain install "${TOOLCHAIN}" --profile minimal
fi
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  skip "rust target wasm32-unknown-unknown"
else
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if [ "$MODE" = all ]; then
  missing_components=()
  installed_components="$(rustup component list --installed)"
  for component in rustfmt clippy; do
    grep -q "^${component}" <<<"$installed_components" || missing_components+=("$component")
  done
  if [ ${#missing_components[@]} -eq 0 ]; then
    skip "rust components rustfmt clippy"
  else
    say "rustup component add ${missing_components[*]}"
    rustup component add "${missing_components[@]}"
  fi
fi

# --- Debian packages ----------------------------------------------------------------------
# clang: builds zstd-sys for wasm32. brotli: the release build's pre-compressed copies.
# nodejs + npm: binaryen's wasm-opt (below) and the e2e tests. chromium + chromium-driver: browser tests (wasm-bindgen-test and the e2e tests).
# firefox-esr: the e2e tests again in Firefox (Playwright drives it over WebDriver BiDi).
# postgresql: the workshop load test's second MLflow backend (tests/e2e/workshop.test.mjs
# starts its own server on a private folder and port; Debian's cluster is not used).
# (Debian's own binaryen, version 108, is not used: it rewrites the export of wasm-bindgen's
# externref table to the function table, and the app then fails to start.)
APT_PACKAGES=(clang brotli)
command -v node >/dev/null || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null || APT_PACKAGES+=(npm)
if [ "$MODE" = all ]; then
  APT_PACKAGES+=(chromium chromium-driver firefox-esr python3-venv postgresql)
fi
missing_apt=()
for package in "${APT_PACKAGES[@]}"; do
  # A python3 that is not Debian's (pyenv, a source build) brings its own venv module.
  if [ "$package" = python3-venv ] && python3 -c 'import venv, ensurepip' 2>/dev/null; then
    continue
  fi
  case "$package" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing_apt+=("$package")
done
if [ ${#missing_apt[@]} -eq 0 ]; then
  skip "apt packages ${APT_PACKAGES[*]}"
else
  say "apt-get install ${missing_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    say "apt-get update (no package lists yet)"
    as_root apt-get update -q
  fi
  if ! as_root apt-get install -y -q --no-install-recommends "${missing_apt[@]}"; then
    say "apt-get update (install failed on stale package lists), then retry"
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing_apt[@]}"
  fi
fi

# --- Trunk and wasm-bindgen-cli -----------------------------------------------------------
# Both are build tools, run for seconds per build: they are compiled without LTO and at
# opt-level 1, in one shared build folder (their common crates compile once): on a new
# machine Trunk took 442 s and wasm-bindgen-cli 166 s. The Python venvs and npm packages
# (below) install in the background meanwhile.
FLOWBOOK_INSTALL_TARGET="${FLOWBOOK_INSTALL_TARGET:-$HOME/.cache/flowbook/install-target}"
tool_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false \
    cargo install --target-dir "$FLOWBOOK_INSTALL_TARGET" "$@"
}
NEED_TRUNK=1
if trunk --version 2>/dev/null | grep -qx "trunk ${TRUNK_VERSION}"; then
  skip "trunk ${TRUNK_VERSION}"
  NEED_TRUNK=0
fi
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$WASM_BINDGEN_VERSION" ]; then
  echo "could not read the wasm-bindgen version from Cargo.lock" >&2
  exit 1
fi
NEED_BINDGEN=1
if wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen ${WASM_BINDGEN_VERSION}" &&
  wasm-bindgen-test-runner --version 2>/dev/null | grep -q "${WASM_BINDGEN_VERSION}"; then
  skip "wasm-bindgen-cli ${WASM_BINDGEN_VERSION}"
  NEED_BINDGEN=0
fi

# --- Downloads: wasm-opt, the Python venvs, the e2e tests' npm packages -------------------
# They wait on the network and unpack, while the tool builds above keep both cores busy, so
# they run in the background beside those builds; their output is printed when they end.
install_downloads() {
  local downloads_start=$SECONDS
  # --- wasm-opt (binaryen from npm, pinned in scripts/tools/package-lock.json) --------------
  # Installed outside the repo; scripts/trunk.sh puts its bin/ first on PATH for Trunk, and
  # Trunk.toml asks for this version, so a release build never uses another wasm-opt.
  TOOLS_LOCK_HASH="$(cat scripts/tools/package.json scripts/tools/package-lock.json | sha256sum | cut -d' ' -f1)"
  TOOLS_STAMP="$FLOWBOOK_TOOLS/.flowbook-lock.sha256"
  if [ -x "$FLOWBOOK_TOOLS/node_modules/.bin/wasm-opt" ] && [ "$(cat "$TOOLS_STAMP" 2>/dev/null)" = "$TOOLS_LOCK_HASH" ]; then
    skip "wasm-opt $("$FLOWBOOK_TOOLS/node_modules/.bin/wasm-opt" --version | cut -d' ' -f3) in $FLOWBOOK_TOOLS"
  else
    say "npm ci binaryen (wasm-opt) into $FLOWBOOK_TOOLS"
    mkdir -p "$FLOWBOOK_TOOLS"
    cp scripts/tools/package.json scripts/tools/package-lock.json "$FLOWBOOK_TOOLS/"
    (cd "$FLOWBOOK_TOOLS" && npm ci --no-audit --no-fund)
    echo "$TOOLS_LOCK_HASH" >"$TOOLS_STAMP"
  fi

  if [ "$MODE" = all ]; then
    # --- Python reference tools ---------------------------------------------------------------
    # A venv per requirements file, rebuilt only when the file's hash changes.
    ensure_venv() {
      local venv="$1" requirements="$2"
      local stamp="$venv/.flowbook-requirements.sha256" want t0
      want="$(sha256sum "$requirements" | cut -d' ' -f1)"
      if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        skip "Python venv $venv (requirements unchanged)"
        return
      fi
      say "Python venv $venv: installing ${requirements#"$REPO"/}"
      t0=$SECONDS
      rm -rf "$venv"
      mkdir -p "$(dirname "$venv")"
      python3 -m venv "$venv"
      "$venv/bin/python" -m pip install --quiet --upgrade pip
      "$venv/bin/python" -m pip install --quiet -r "$requirements"
      echo "$want" >"$stamp"
      say "venv ready in $((SECONDS - t0)) s"
    }
    ensure_venv "$FLOWBOOK_VENV" "$REPO/scripts/requirements.txt"
    # MLflow 2 (no CORS headers) for the Trunk proxy test.
    ensure_venv "$FLOWBOOK_MLFLOW2_VENV" "$REPO/scripts/requirements-mlflow2.txt"
    # Evidently (needs pandas 2) for the monitoring oracle.
    ensure_venv "$FLOWBOOK_EVIDENTLY_VENV" "$REPO/scripts/requirements-evidently.txt"

    # --- Node packages for the end-to-end tests -----------------------------------------------
    # playwright-core only: it never downloads a browser; the tests use /usr/bin/chromium.
    E2E="$REPO/tests/e2e"
    NPM_STAMP="$E2E/node_modules/.flowbook-lock.sha256"
    LOCK_HASH="$(sha256sum "$E2E/package-lock.json" | cut -d' ' -f1)"
    if [ -d "$E2E/node_modules/playwright-core" ] && [ "$(cat "$NPM_STAMP" 2>/dev/null)" = "$LOCK_HASH" ]; then
      skip "npm packages in tests/e2e"
    else
      say "npm ci in tests/e2e"
      (cd "$E2E" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
      echo "$LOCK_HASH" >"$NPM_STAMP"
    fi
  fi
  say "downloads (wasm-opt, venvs, npm) done in $((SECONDS - downloads_start)) s"
}

DOWNLOAD_LOG="$(mktemp)"
install_downloads >"$DOWNLOAD_LOG" 2>&1 &
DOWNLOAD_PID=$!

if [ "$NEED_TRUNK" = 1 ]; then
  say "cargo install --locked trunk --version ${TRUNK_VERSION} (about 7 minutes on 2 cores)"
  t0=$SECONDS
  tool_install --locked trunk --version "${TRUNK_VERSION}"
  say "trunk installed in $((SECONDS - t0)) s"
fi
if [ "$NEED_BINDGEN" = 1 ]; then
  # Not --locked: the crate's own lock file holds a yanked entry.
  say "cargo install wasm-bindgen-cli --version ${WASM_BINDGEN_VERSION} (about 3 minutes)"
  t0=$SECONDS
  tool_install --force wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}"
  say "wasm-bindgen-cli installed in $((SECONDS - t0)) s"
fi

# cargo-fuzz, for the test command's fuzzing step (scripts/fuzz.sh): about 25 s.
CARGO_FUZZ_VERSION=0.13.2
if [ "$MODE" = all ]; then
  if cargo fuzz --version 2>/dev/null | grep -q "cargo-fuzz ${CARGO_FUZZ_VERSION}"; then
    skip "cargo-fuzz ${CARGO_FUZZ_VERSION}"
  else
    say "cargo install --locked cargo-fuzz --version ${CARGO_FUZZ_VERSION}"
    t0=$SECONDS
    tool_install --locked cargo-fuzz --version "${CARGO_FUZZ_VERSION}"
    say "cargo-fuzz installed in $((SECONDS - t0)) s"
  fi
fi

download_status=0
wait "$DOWNLOAD_PID" || download_status=$?
cat "$DOWNLOAD_LOG"
rm -f "$DOWNLOAD_LOG"
if [ "$download_status" -ne 0 ]; then
  echo "set-up failed while installing wasm-opt, the Python venvs or the npm packages (above)" >&2
  exit "$download_status"
fi

say "set-up done in $((SECONDS - START)) s"
