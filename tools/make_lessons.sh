#!/usr/bin/env bash
# Runs every lesson at full size and draws the lessons' two pictures:
#   docs/lessons_run.txt        the terminal tables that docs/lessons.md quotes
#   docs/lessons.jsonl          one JSON line per lesson and version
#   docs/lessons_distance.svg   the distance matrix methods: time and peak memory over n
#   docs/lessons_cache.svg      the cache curve: ns per element over array size
# about 2-3 minutes on a quiet 2-core machine; run it on a quiet one.
# Usage: tools/make_lessons.sh [build-dir]   (default: build; built with tools/setup.sh)
# Environment: PYTHON, the interpreter for tools/plot.py (default /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
python=${PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import matplotlib' 2>/dev/null; then
    echo "make_lessons: $python cannot import matplotlib; install Debian's python3-matplotlib" \
         "(apt-get install python3-matplotlib) or set PYTHON" >&2
    exit 1
fi
if [ ! -x "$build/vecnn" ]; then
    echo "make_lessons: no $build/vecnn; build it first (tools/setup.sh $build)" >&2
    exit 1
fi

# One cache of each level as lscpu reports it (a VM's getconf can disagree); none if lscpu cannot say.
cache_flags=()
while read -r name size; do
    case $name in
        L1d) cache_flags+=(--l1 "$size") ;;
        L2) cache_flags+=(--l2 "$size") ;;
        L3) cache_flags+=(--l3 "$size") ;;
    esac
done < <(lscpu -C=NAME,ONE-SIZE -B 2>/dev/null | tail -n +2 || true)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Written aside first: a failed run leaves the docs as they were.
"$build"/vecnn lessons --json "$tmp/lessons.jsonl" | tee "$tmp/lessons_run.txt"
"$python" tools/plot.py lessons-distance "$tmp/lessons.jsonl" "$tmp/lessons_distance.svg"
"$python" tools/plot.py lessons-cache "$tmp/lessons.jsonl" "$tmp/lessons_cache.svg" "${cache_flags[@]}"
mkdir -p docs
for f in lessons_run.txt lessons.jsonl lessons_distance.svg lessons_cache.svg; do
    mv "$tmp/$f" "docs/$f"
done
ls -l docs/lessons_run.txt docs/lessons.jsonl docs/lessons_distance.svg docs/lessons_cache.svg
