#!/usr/bin/env bash
# Set up .venv (first run only), run ruff and mypy, then every test in two pytest sessions
# (Qt cannot switch platform plugin inside one process):
#   (a) everything but tests/gl, with QT_QPA_PLATFORM=offscreen; extra args go here
#   (b) tests/gl under a real X server (DISPLAY, or Xvfb via xvfb-run)
# Ends with one line "N passed, N failed, N skipped" over both sessions and
# exits non-zero if ruff, mypy or either session failed.
set -euo pipefail

# shellcheck source=scripts/_venv.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_venv.sh"
ensure_venv

cd "$REPO_ROOT"

report_dir="$(mktemp -d "${TMPDIR:-/tmp}/backprop-lab-tests.XXXXXX")"
trap 'rm -rf "$report_dir"' EXIT
junit_a="$report_dir/offscreen.xml"
junit_b="$report_dir/gl.xml"

# If the caller names test paths itself, don't add the whole "tests" tree too.
targets=(tests)
for arg in "$@"; do
    if [[ "$arg" != -* && -e "${arg%%::*}" ]]; then
        targets=()
        break
    fi
done

echo "=== lint and types: ruff check, mypy (configured in pyproject.toml) ==="
rc_lint=0
"$VENV_PY" -m ruff check simulator tests benchmarks packaging docs || rc_lint=$?
"$VENV_PY" -m mypy || rc_lint=$?

echo "=== session (a): tests except tests/gl, QT_QPA_PLATFORM=offscreen ==="
rc_a=0
QT_QPA_PLATFORM=offscreen "$VENV_PY" -m pytest ${targets[@]+"${targets[@]}"} --ignore=tests/gl \
    --junitxml="$junit_a" "$@" || rc_a=$?

echo "=== session (b): tests/gl (OpenGL) ==="
rc_b=0
if [[ -n "${DISPLAY:-}" ]]; then
    echo "using the existing display $DISPLAY"
    QT_QPA_PLATFORM=xcb "$VENV_PY" -m pytest tests/gl --junitxml="$junit_b" || rc_b=$?
elif command -v xvfb-run >/dev/null 2>&1; then
    echo "using Xvfb (xvfb-run)"
    xvfb-run -a -s "-screen 0 1600x1000x24" \
        env QT_QPA_PLATFORM=xcb "$VENV_PY" -m pytest tests/gl --junitxml="$junit_b" || rc_b=$?
else
    echo "no DISPLAY and no xvfb-run: the GL tests will skip themselves"
    QT_QPA_PLATFORM=offscreen "$VENV_PY" -m pytest tests/gl --junitxml="$junit_b" || rc_b=$?
fi
# 5 = no tests collected (tests/gl may be empty).
if [[ $rc_b -eq 5 ]]; then
    rc_b=0
fi

echo "=== summary ==="
echo "lint/types exit code: $rc_lint; session (a) exit code: $rc_a; session (b) exit code: $rc_b"
"$VENV_PY" - "$junit_a" "$rc_a" "$junit_b" "$rc_b" <<'PY'
import os
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
args = sys.argv[1:]
for path, rc in zip(args[0::2], args[1::2]):
    if not os.path.exists(path):
        if rc != "0":
            # pytest died before writing its report (e.g. a crash): count it.
            print(f"no junit report from a session that exited {rc}: counted as 1 failure")
            failed += 1
        continue
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    for s in suites:
        tests = int(s.get("tests", 0))
        f = int(s.get("failures", 0)) + int(s.get("errors", 0))
        sk = int(s.get("skipped", 0))
        passed += tests - f - sk
        failed += f
        skipped += sk
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY

if [[ $rc_lint -ne 0 ]]; then
    echo "ruff or mypy found problems (see above)"
fi
if [[ $rc_lint -ne 0 || $rc_a -ne 0 || $rc_b -ne 0 ]]; then
    exit 1
fi
