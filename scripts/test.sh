#!/usr/bin/env bash
# Runs every test of svcplay, after installing whatever is missing:
#   1. native tests      cargo test --all-targets, the doc tests, clippy (native and wasm), the
#                        crate doc, and the fuzz targets compiled on stable
#   2. page build        trunk build --release into dist/, with a gzip size report
#   3. browser tests     the page's #[wasm_bindgen_test]s in headless Chromium
#   4. end-to-end test   tests/e2e*.rs drive the built dist/ in headless Chromium (e2e_embed.rs
#                        also builds the Hugo and MkDocs recipes of docs/embedding.md)
# Every step runs even when an earlier one failed (except the end-to-end test, which needs the
# page build), so one run shows everything that is broken. Exits non-zero if any step failed.
# Logs and reports land in test-output/. Respects CARGO_TARGET_DIR (default: target/).
set -euo pipefail

# shellcheck source=scripts/lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"
cd "$ROOT"
ensure_tools

# From here on nothing may touch the network: the installs above fetched every crate.
export CARGO_NET_OFFLINE=true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$ROOT/test-output"
DIST="$ROOT/dist"
# Start with an empty test-output/, so no screenshot or log from an earlier run misleads.
rm -rf "$OUT"
mkdir -p "$OUT"

# Each step is a function whose status is that of its last command: `set -e` does not apply
# inside a function called as a condition, so commands within a step are chained with &&.
native_tests() {
    # The end-to-end test skips itself without SVCPLAY_E2E_DIST; step 4 runs it for real.
    # `--all-targets` leaves out doc tests, so they run on their own. `--show-output` keeps
    # what passing tests print (corpus counts, real-kernel chi-square figures) in the log;
    # the benchmarks run once each as tests, without it (criterion has no such flag).
    env -u SVCPLAY_E2E_DIST cargo test --lib --bins --tests -- --show-output &&
        cargo test --benches &&
        cargo test --doc &&
        clippy
}

# Lints as errors, for the native targets and for the page's wasm build (clippy.toml also
# forbids reading clocks outside the UI, the CLI and the tests); and the crate doc, which is
# the map of the code, without a broken link.
clippy() {
    cargo clippy --all-targets -- -D warnings &&
        cargo clippy --target wasm32-unknown-unknown --bin svcplay-web -- -D warnings &&
        RUSTDOCFLAGS="-D warnings" cargo doc --lib --no-deps &&
        fuzz_targets_compile
}

# The fuzz targets run only on nightly (cargo-fuzz), which these machines cannot fetch; they
# include the page's start-up code by path, so they rot silently when it changes (all five had
# stopped compiling by the time anyone looked). Checking them on stable keeps them in step.
fuzz_targets_compile() {
    (cd fuzz && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/fuzz" cargo check --bins --quiet)
}

page_build() {
    trunk build --release --offline --dist "$DIST" &&
        size_report | tee "$OUT/size-report.txt"
}

# Gzip sizes of what a browser downloads, in the order it does (not asserted). PRODUCT.md
# budgets the first load at 300 KB gzip: every file fetched before the page is interactive.
# On a fresh visit that is index.html, with the default lab pre-rendered in it
# (static/build/prerender.mjs), and the style it links; the app's module (Trunk's tags, kept
# in index.html's template "svcplay-app") comes after the first paint (static/loader.js).
# The end-to-end step measures the same from the requests the browser really makes, with
# the time until the app is live (first-load.txt, appended to this report by e2e_test).
size_report() {
    local html="$DIST/index.html" file first=() app=() part raw gz total_raw total_gz
    printf 'Page size: %s (gzip -9)\n' "${DIST#"$ROOT"/}/"
    first=("$html")
    while IFS= read -r file; do
        first+=("$DIST/${file#./}")
    done < <(perl -0pe 's|<template[^>]*>.*?</template>||gs' "$html" | grep -o 'href=[^ >]*\.css' | sed 's/^href=//; s/"//g')
    while IFS= read -r file; do
        app+=("$DIST/${file#./}")
    done < <(perl -0ne 'print $1 if m|<template id="?svcplay-app"?>(.*?)</template>|s' "$html" |
        grep -o '\(href\|module_or_path:\)[=`"]*[^ >`"]*' | sed 's/^href=//; s/^module_or_path://; s/[`"]//g' | sort -u)
    app+=("$DIST/worker.js" "$DIST/sw.js")
    printf '  %-64s %10s %10s\n' file bytes gzip
    for part in first app; do
        if [ "$part" = first ]; then
            printf '  the first load (a fresh visit, before the page is interactive):\n'
            set -- "${first[@]}"
        else
            printf '  the app, fetched after the first paint (when idle or at the first interaction; at once for a link or saved work):\n'
            set -- "${app[@]}"
        fi
        total_raw=0 total_gz=0
        for file in "$@"; do
            [ -f "$file" ] || continue
            raw=$(wc -c <"$file")
            gz=$(gzip -9 -c "$file" | wc -c)
            total_raw=$((total_raw + raw))
            total_gz=$((total_gz + gz))
            printf '    %-62s %10d %10d\n' "${file#"$DIST"/}" "$raw" "$gz"
        done
        printf '    %-62s %10d %10d  (%d KB gzip)\n' total "$total_raw" "$total_gz" "$(((total_gz + 500) / 1000))"
        if [ "$part" = first ]; then
            printf '    first load: %d KB gzip (budget 300 KB, ratio %s)\n' "$(((total_gz + 500) / 1000))" \
                "$(awk -v g="$total_gz" 'BEGIN { printf "%.2f", g / 300000 }')"
            local bare
            bare=$(perl -0pe 's|<template id="?prerender-[^>]*>.*?</template>||gs' "$html" | gzip -9 -c | wc -c)
            if grep -q 'template id="\?prerender-' "$html"; then
                printf '    of which the pre-rendered lab (en, zh × light, dark) in index.html: %d bytes gzip\n' \
                    "$(($(gzip -9 -c "$html" | wc -c) - bare))"
            else
                printf '    NO pre-rendered lab in index.html (built without Chromium?): a fresh visit loads the app at once\n'
            fi
        fi
    done
    # embed.js is for docs pages (docs/embedding.md): all they fetch before a reader clicks.
    printf '  embed.js (docs pages, not loaded by the playground): %d bytes, gzip %d\n' \
        "$(wc -c <"$DIST/embed.js")" "$(gzip -9 -c "$DIST/embed.js" | wc -c)"
    printf '  editor: compiled into the wasm (a Yew component, no JavaScript editor bundle); its share below\n'
    # What the wasm is made of: the wasm cargo linked for Trunk still has its name section.
    local wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/svcplay-web.wasm" shipped
    shipped=$(find "$DIST" -name '*_bg.wasm' | head -n 1)
    if [ -f "$wasm" ] && [ -n "$shipped" ]; then
        printf '  the deferred wasm by part (bytes of function bodies and data before wasm-opt; share of the shipped gzip):\n'
        node static/build/wasm-sizes.mjs "$wasm" "$(gzip -9 -c "$shipped" | wc -c)"
    fi
}

browser_tests() {
    # The runner (see .cargo/config.toml) drives Chromium with webdriver.json from this dir.
    WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}" \
        cargo test --target wasm32-unknown-unknown --bin svcplay-web
}

e2e_test() {
    SVCPLAY_E2E_DIST="$DIST" cargo test --test e2e --test e2e_page --test e2e_embed --test e2e_editor -- --nocapture &&
        first_load_report
}

# What the browser fetched before the page was interactive and how long the app took to be
# live (tests/e2e/prerender.rs), next to the size report's static figures.
first_load_report() {
    if [ -f "$OUT/first-load.txt" ]; then
        printf '\n' >>"$OUT/size-report.txt"
        cat "$OUT/first-load.txt" >>"$OUT/size-report.txt"
    fi
}

# Step bookkeeping: one summary line per step, printed at the end.
SUMMARY=()
passed=0 failed=0 skipped=0

# run_step NAME FUNCTION: run one step with its output also saved in test-output/, and record it.
run_step() {
    local name=$1 fn=$2 start status log
    log="$OUT/step-$((${#SUMMARY[@]} + 1))-$fn.log"
    printf '\n========== %s ==========\n' "$name"
    start=$SECONDS
    if "$fn" 2>&1 | tee "$log"; then
        status=ok passed=$((passed + 1))
    else
        status=FAILED failed=$((failed + 1))
    fi
    SUMMARY+=("$(printf '%-8s %-20s %5d s   %s' "$status" "$name" "$((SECONDS - start))" "${log#"$ROOT"/}")")
    [ "$status" = ok ]
}

skip_step() {
    skipped=$((skipped + 1))
    SUMMARY+=("$(printf '%-8s %-20s %5s     %s' skipped "$1" - "$2")")
}

total_start=$SECONDS
run_step "native tests" native_tests || true
if run_step "page build" page_build; then
    run_step "browser tests" browser_tests || true
    run_step "end-to-end test" e2e_test || true
else
    # The browser tests compile the page too; the end-to-end test needs dist/.
    run_step "browser tests" browser_tests || true
    skip_step "end-to-end test" "needs the page build"
fi

printf '\n========== summary (%d s) ==========\n' "$((SECONDS - total_start))"
printf '  %s\n' "${SUMMARY[@]}"
printf 'steps: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ] && [ "$skipped" -eq 0 ]
