#!/usr/bin/env bash
# Print the path of a Python interpreter of the version binder/runtime.txt names (the one the
# lock is for): pythonX.Y on PATH, else pyenv's, else a python3 of that version. If none is
# found, print python3 and warn: the lock may still install, but it was not made for it.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(sed -n 's/^python-\([0-9]*\.[0-9]*\).*/\1/p' binder/runtime.txt)
is_it() { "$1" -c "import sys, venv; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" >/dev/null 2>&1; }
for candidate in "python$want" \
                 $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want"*/bin/python"$want" 2>/dev/null | sort -rV) \
                 "/usr/bin/python$want" "/usr/local/bin/python$want" python3; do
    if is_it "$candidate"; then command -v "$candidate"; exit 0; fi
done
echo "find-python: no Python $want found (binder/runtime.txt); using $(command -v python3) instead" >&2
command -v python3
