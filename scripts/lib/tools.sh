# shellcheck shell=bash
# Shared set-up for scripts/serve.sh and scripts/test.sh: source it, then call `ensure_tools`.
#
# Every tool is installed only when `TOOL --version` does not already report the wanted version,
# so a warm machine spends a second here and never touches the network. A fresh machine spends
# about 20 minutes once, mostly compiling Trunk (~13 min) and wasm-bindgen-cli (~4 min).

# The repository root, whichever directory the calling script was started from.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Trunk 0.22.1 needs a newer rustc than this machine has; 0.22.0-beta.1 builds with rustc 1.95.
TRUNK_VERSION="0.22.0-beta.1"
# Debian's wasm-opt (108) cannot parse today's Rust wasm; binaryen 132 from npm can.
# Trunk.toml pins the same version (`wasm_opt = "version_132"`) so Trunk accepts this binary.
BINARYEN_VERSION="132"
# axe-core checks the page's accessibility in the end-to-end test (tests/e2e/page.rs injects
# its axe.min.js into the page), installed into .tools/ like wasm-opt.
AXE_VERSION="4.14.1"
# Chromium and ChromeDriver run the browser tests (with a small CJK font, so the zh-CN
# screenshots show Chinese rather than empty boxes) and, at every page build, capture the
# pre-rendered default lab of the first load (static/build/prerender.mjs); the iptables family (and ipset) is for
# real-kernel tests; Hugo builds the embedding recipe's example site (tests/e2e_embed.rs,
# docs/hugo/).
APT_PACKAGES=(chromium chromium-driver fonts-wqy-microhei iptables nftables nfacct ipset iproute2 bind9-dnsutils hugo)
# MkDocs builds the other docs-site recipe's example (docs/mkdocs/), from PyPI into the
# machine's Python when missing.
MKDOCS_VERSION="1.6.1"

CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# `cargo install` puts binaries here, and .tools/ holds the npm-installed wasm-opt.
export PATH="$ROOT/.tools/node_modules/.bin:$CARGO_HOME/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive
# Trunk asks crates.io for a newer version at start-up; the scripts must work without network.
export TRUNK_SKIP_VERSION_CHECK=true

# One line per tool, printed as a table once everything is in place.
INSTALL_REPORT=()

note() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# record TOOL VERSION STATUS: remember one line for the install report.
record() { INSTALL_REPORT+=("$(printf '%-24s %-16s %s' "$1" "$2" "$3")"); }

# has_version CMD VERSION: true when `CMD --version` prints VERSION as a whole word
# (so "0.2.13" does not pass for "0.2.130").
has_version() {
    local word
    command -v "$1" >/dev/null 2>&1 || return 1
    for word in $("$1" --version 2>/dev/null); do
        [ "$word" = "$2" ] && return 0
    done
    return 1
}

# The wasm-bindgen CLI must match the library version exactly (the two share a schema), so
# the wanted version comes from Cargo.lock rather than from a constant that could drift.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
        "$ROOT/Cargo.lock"
}

ensure_apt_packages() {
    local missing=() pkg start
    for pkg in "${APT_PACKAGES[@]}"; do
        [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] ||
            missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        record "Debian packages" "" "present (${APT_PACKAGES[*]})"
        return
    fi
    if [ "$(id -u)" -ne 0 ]; then
        die "missing Debian packages: ${missing[*]}; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    fi
    note "apt-get install ${missing[*]}"
    start=$SECONDS
    # The package lists are refreshed only here, when something must actually be installed.
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
    record "Debian packages" "" "installed in $((SECONDS - start)) s (${missing[*]})"
}

ensure_wasm_target() {
    local start
    if [[ $'\n'"$(rustup target list --installed)"$'\n' == *$'\n'wasm32-unknown-unknown$'\n'* ]]; then
        record "rust-std wasm32" "" "present"
        return
    fi
    note "rustup target add wasm32-unknown-unknown"
    start=$SECONDS
    rustup target add wasm32-unknown-unknown
    record "rust-std wasm32" "" "installed in $((SECONDS - start)) s"
}

# ensure_cargo_tool BIN VERSION CRATE [cargo install flags...]
ensure_cargo_tool() {
    local bin=$1 version=$2 crate=$3 start
    shift 3
    if has_version "$bin" "$version"; then
        record "$crate" "$version" "present"
        return
    fi
    note "cargo install $crate --version $version $*  (this compiles for several minutes)"
    start=$SECONDS
    cargo install "$crate" --version "$version" "$@"
    has_version "$bin" "$version" || die "$bin --version does not report $version after installing"
    record "$crate" "$version" "installed in $((SECONDS - start)) s"
}

ensure_wasm_opt() {
    local start
    if has_version wasm-opt "$BINARYEN_VERSION"; then
        record "binaryen (wasm-opt)" "$BINARYEN_VERSION" "present"
        return
    fi
    command -v npm >/dev/null || die "npm is needed to install wasm-opt (binaryen@$BINARYEN_VERSION)"
    note "npm install binaryen@$BINARYEN_VERSION into .tools/"
    start=$SECONDS
    # A project-local prefix keeps the machine clean and the version independent of Debian's.
    npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error \
        "binaryen@$BINARYEN_VERSION" >/dev/null
    has_version wasm-opt "$BINARYEN_VERSION" || die "wasm-opt --version does not report $BINARYEN_VERSION"
    record "binaryen (wasm-opt)" "$BINARYEN_VERSION" "installed in $((SECONDS - start)) s"
}

ensure_axe_core() {
    local package="$ROOT/.tools/node_modules/axe-core/package.json" start
    if [ -f "$package" ] && grep -q "\"version\": \"$AXE_VERSION\"" "$package"; then
        record "axe-core" "$AXE_VERSION" "present"
        return
    fi
    command -v npm >/dev/null || die "npm is needed to install axe-core@$AXE_VERSION"
    note "npm install axe-core@$AXE_VERSION into .tools/"
    start=$SECONDS
    npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error \
        "axe-core@$AXE_VERSION" >/dev/null
    [ -f "$ROOT/.tools/node_modules/axe-core/axe.min.js" ] || die "axe-core did not install"
    record "axe-core" "$AXE_VERSION" "installed in $((SECONDS - start)) s"
}

# Download the crates the build needs now, so that builds and tests can run with --offline.
# The fuzz targets' crate (fuzz/Cargo.lock) is checked on stable by the test script too, for
# this machine only (its lock file also names crates of platforms nobody builds here).
ensure_crates() {
    local start host
    host=$(rustc -vV | sed -n 's/^host: //p')
    if (cd "$ROOT" && cargo fetch --locked --offline >/dev/null 2>&1) &&
        (cd "$ROOT/fuzz" && cargo fetch --locked --offline --target "$host" >/dev/null 2>&1); then
        record "crates (Cargo.lock, fuzz/Cargo.lock)" "" "present"
        return
    fi
    note "cargo fetch"
    start=$SECONDS
    (cd "$ROOT" && cargo fetch --locked) && (cd "$ROOT/fuzz" && cargo fetch --locked --target "$host")
    record "crates (Cargo.lock, fuzz/Cargo.lock)" "" "fetched in $((SECONDS - start)) s"
}

ensure_mkdocs() {
    local start
    if has_version_of "python3 -m mkdocs" "$MKDOCS_VERSION"; then
        record "mkdocs (PyPI)" "$MKDOCS_VERSION" "present"
        return
    fi
    command -v python3 >/dev/null || die "python3 is needed to install mkdocs"
    note "python3 -m pip install mkdocs==$MKDOCS_VERSION"
    start=$SECONDS
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "mkdocs==$MKDOCS_VERSION"
    has_version_of "python3 -m mkdocs" "$MKDOCS_VERSION" ||
        die "python3 -m mkdocs --version does not report $MKDOCS_VERSION after installing"
    record "mkdocs (PyPI)" "$MKDOCS_VERSION" "installed in $((SECONDS - start)) s"
}

# has_version_of "CMD ARGS" VERSION: has_version for a command with arguments.
has_version_of() {
    local word
    for word in $($1 --version 2>/dev/null); do
        [ "$word" = "$2" ] && return 0
    done
    return 1
}

ensure_tools() {
    local start=$SECONDS wb_version
    wb_version="$(wasm_bindgen_version)"
    [ -n "$wb_version" ] || die "no wasm-bindgen package in Cargo.lock"
    ensure_apt_packages
    ensure_wasm_target
    ensure_crates
    # No --locked here: wasm-bindgen-cli's lock file names a dependency version that the
    # registry no longer offers, so a locked install fails.
    ensure_cargo_tool wasm-bindgen "$wb_version" wasm-bindgen-cli
    ensure_cargo_tool trunk "$TRUNK_VERSION" trunk --locked
    ensure_wasm_opt
    ensure_axe_core
    ensure_mkdocs
    printf '\nTools (%d s):\n' "$((SECONDS - start))"
    printf '  %s\n' "${INSTALL_REPORT[@]}"
    printf '\n'
}
