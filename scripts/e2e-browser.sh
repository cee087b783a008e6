#!/usr/bin/env bash
# Real-browser end-to-end test of `mien serve`: headless Debian chromium driven
# over WebDriver (chromium-driver) by crates/mien-cli/tests/serve/browser.rs.
# Install the browser first: apt-get install -y chromium chromium-driver
# The test prints the screenshot's path ("screenshot: …"); set MIEN_SCREENSHOT
# to choose it (CI keeps it as an artefact).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
    echo "SKIPPED: chromium is not installed (apt-get install -y chromium chromium-driver)"
    exit 0
fi
if ! command -v chromedriver >/dev/null; then
    echo "SKIPPED: chromedriver is not installed (apt-get install -y chromium-driver)"
    exit 0
fi
exec cargo test --release -p mien-cli --test tests serve::browser -- --nocapture
