#!/usr/bin/env bash
# Set up .venv (first run only) and start Backprop Lab. Extra args go to the app.
set -euo pipefail

# shellcheck source=scripts/_venv.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_venv.sh"
ensure_venv

cd "$REPO_ROOT"
exec "$VENV_PY" -m simulator "$@"
