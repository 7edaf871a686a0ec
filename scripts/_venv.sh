# shellcheck shell=bash
# Shared by scripts/start.sh and scripts/test.sh (sourced, not executed).
#
# ensure_venv: pick a Python (>= 3.11, newest preferred), create ./.venv with it
# and `pip install -e '.[test]'`. Re-creates the venv when it was made by a
# different interpreter and re-installs when pyproject.toml changed; both are
# tracked in a stamp file inside .venv.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="$REPO_ROOT/.venv"
VENV_PY="$VENV_DIR/bin/python"
VENV_STAMP="$VENV_DIR/.backprop-lab-stamp"

_log() { printf '[setup] %s\n' "$*" >&2; }

# True if "$1" runs, is >= 3.11 and can build a venv with pip in it.
# (pyenv shims for unselected versions exist but exit non-zero, so every
# candidate has to be actually run.)
_python_works() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3,11))' >/dev/null 2>&1 &&
        "$1" -c 'import venv, ensurepip' >/dev/null 2>&1
}

# Prints the path of the Python to use, or fails.
pick_python() {
    local c
    for c in python3.13 python3.12; do
        if command -v "$c" >/dev/null 2>&1 && _python_works "$c"; then
            command -v "$c"
            return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        local root v
        root="$(pyenv root 2>/dev/null || true)"
        if [[ -n "$root" && -d "$root/versions" ]]; then
            # Final releases 3.12+ only (no -dev, no free-threaded "t" builds), newest first.
            while IFS= read -r v; do
                c="$root/versions/$v/bin/python3"
                if [[ -x "$c" ]] && _python_works "$c"; then
                    printf '%s\n' "$c"
                    return 0
                fi
            done < <(ls -1 "$root/versions" 2>/dev/null |
                grep -E '^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$' |
                sort -t. -k1,1nr -k2,2nr -k3,3nr)
        fi
    fi
    for c in python3.11 python3; do
        if command -v "$c" >/dev/null 2>&1 && _python_works "$c"; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

# Identity of an interpreter: real executable path + full version.
_python_id() {
    "$1" -c 'import os, sys; print(os.path.realpath(sys.executable)); print(sys.version)'
}

ensure_venv() {
    local py want_id have_id stamp
    if ! py="$(pick_python)"; then
        _log "ERROR: no usable Python >= 3.11 found (tried python3.13, python3.12, pyenv versions, python3.11, python3)."
        _log "Install Python 3.12 or newer (with the venv module) and re-run."
        return 1
    fi
    want_id="$(_python_id "$py")"

    # Serialise concurrent start.sh/test.sh runs that would build the same venv.
    if command -v flock >/dev/null 2>&1; then
        local lock
        lock="${TMPDIR:-/tmp}/backprop-lab-venv-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1).lock"
        exec 9>"$lock"
        flock 9
    fi

    if [[ -x "$VENV_PY" ]]; then
        have_id="$(_python_id "$VENV_PY" 2>/dev/null || true)"
        # A venv's python resolves to the base interpreter it was made from.
        if [[ "$have_id" != "$want_id" ]]; then
            _log "existing .venv was made by a different Python; recreating it"
            rm -rf "$VENV_DIR"
        fi
    elif [[ -e "$VENV_DIR" ]]; then
        _log "existing .venv is broken; recreating it"
        rm -rf "$VENV_DIR"
    fi

    if [[ ! -x "$VENV_PY" ]]; then
        _log "creating .venv with $py ($(sed -n 2p <<<"$want_id" | cut -d' ' -f1))"
        "$py" -m venv "$VENV_DIR"
    fi

    stamp="$("$py" -c 'import hashlib, sys
h = hashlib.sha256(open(sys.argv[1], "rb").read())
h.update(sys.argv[2].encode())
print(h.hexdigest())' "$REPO_ROOT/pyproject.toml" "$want_id")"
    if [[ ! -f "$VENV_STAMP" || "$(cat "$VENV_STAMP")" != "$stamp" ]]; then
        _log "installing backprop-lab and test dependencies into .venv"
        rm -f "$VENV_STAMP"
        (cd "$REPO_ROOT" && "$VENV_PY" -m pip install -e '.[test]')
        printf '%s\n' "$stamp" >"$VENV_STAMP"
    fi

    if command -v flock >/dev/null 2>&1; then
        flock -u 9
        exec 9>&-
    fi
}
