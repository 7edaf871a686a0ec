#!/bin/sh
# Add Backprop Lab to the desktop's application menu (for the current user).
#
# Run it from the unpacked folder (backprop-lab/install-desktop-entry.sh); it installs
# ~/.local/share/applications/backprop-lab.desktop (Exec= pointing at this folder's
# executable) and the icon into ~/.local/share/icons/hicolor/. Move the folder first if
# you want it elsewhere. "--uninstall" removes both again.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$data/applications"
icon="$data/icons/hicolor/256x256/apps/backprop-lab.png"
entry="$apps/backprop-lab.desktop"

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$entry" "$icon"
    echo "removed $entry and $icon"
else
    mkdir -p "$apps" "$(dirname "$icon")"
    cp "$here/backprop-lab.png" "$icon"
    # Exec= gets the absolute path, quoted as the desktop entry spec wants: inside double
    # quotes " ` $ \ are backslash-escaped, and every backslash is doubled again by the
    # string-value escaping; a literal % is written %%. TryExec= is dropped.
    exe=$(printf '%s' "$here/backprop-lab" |
        sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g' -e 's/%/%%/g')
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
        Exec=*) printf 'Exec="%s" %%f\n' "$exe" ;;
        TryExec=*) ;;
        *) printf '%s\n' "$line" ;;
        esac
    done <"$here/backprop-lab.desktop" >"$entry"
    echo "installed $entry and $icon"
fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 &&
    gtk-update-icon-cache -q -t "$data/icons/hicolor" 2>/dev/null || true
