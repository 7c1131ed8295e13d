#!/usr/bin/env bash
# Follows a guide literally: every ```bash block of it, in order, in one shell, stopping at the
# first command that fails. A ```yaml block whose first line is `# <file>` is written to that
# file where it appears, as a reader would save it. Blocks fenced ```bash no-run are shown to
# the reader only; blocks without a language are sample output and are skipped.
#
#   bash scripts/follow-guide.sh                         # docs/getting-started.md
#   bash scripts/follow-guide.sh docs/getting-started.md
#
# The guide starts from a fresh clone, so this clones the repository's committed HEAD into a
# temporary folder (`<this repository>` in the guide is this checkout) and runs the guide there:
# `npm run stack` brings up the dev stack on its own ports, which must be free (stop another dev
# stack first: `npm run stack -- down`). GUIDE_KEEP=1 keeps the folder afterwards.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
guide=$(cd "$repo" && realpath "${1:-docs/getting-started.md}")
[[ -f $guide ]] || { echo "[guide] no such guide: $guide" >&2; exit 2; }

work=$(mktemp -d /tmp/follow-guide.XXXXXX)
script="$work/guide.sh"
cleanup() { if [[ ${GUIDE_KEEP:-0} == 1 ]]; then echo "[guide] kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

# The guide as one script: its bash blocks as they are, its files as heredocs.
awk -v repo="$repo" '
  BEGIN { print "set -euo pipefail"; print "shopt -s expand_aliases"; print "PS4=\"[guide] $ \""; print "set -x" }
  /^```/ && !inblock {
    inblock = 1; kind = substr($0, 4); first = 1; file = ""
    next
  }
  /^```$/ && inblock {
    if (kind == "yaml" && file != "") print "GUIDE_FILE_END"
    inblock = 0; next
  }
  inblock && kind == "bash" { gsub(/<this repository>/, repo); print; next }
  inblock && kind == "yaml" {
    if (first && match($0, /^# [A-Za-z0-9._\/-]+$/)) {
      file = substr($0, 3); print "cat > " file " <<'"'"'GUIDE_FILE_END'"'"'"
    }
    first = 0
    if (file != "") print
    next
  }
' "$guide" >"$script"

echo "[guide] following $(realpath --relative-to="$repo" "$guide") in $work ($(grep -c '' "$script") lines)"
started=$SECONDS
if (cd "$work" && bash "$script"); then
  echo "[guide] followed to the end in $((SECONDS - started))s"
else
  status=$?
  echo "[guide] stopped: the command above failed (exit $status) after $((SECONDS - started))s" >&2
  # leave nothing running behind a failed walk-through
  [[ -d $work/ami-factory ]] && (cd "$work/ami-factory" && bash scripts/stack.sh down >/dev/null 2>&1 || true)
  exit "$status"
fi
