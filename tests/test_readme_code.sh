#!/usr/bin/env bash
# The code the README shows is the code CI builds and runs: every fenced block
# right after a line "<!-- path -->" must equal the file at that path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
awk -v repo="$repo" '
    /^<!-- [^ ]+ -->$/ { path = $2; want = 1; next }
    want && /^```/ { inside = 1; want = 0; block = ""; next }
    inside && /^```$/ {
        inside = 0
        file = repo "/" path
        content = ""
        while ((getline line < file) > 0) content = content line "\n"
        close(file)
        if (content == "") { print "test_readme_code: FAIL: " path " is missing or empty"; bad = 1 }
        else if (content != block) { print "test_readme_code: FAIL: the README block differs from " path; bad = 1 }
        else { print "test_readme_code: the README shows " path " as it is"; n++ }
        next
    }
    inside { block = block $0 "\n" }
    END {
        if (n == 0) { print "test_readme_code: FAIL: no marked block in the README"; bad = 1 }
        exit bad
    }
' "$repo/README.md"
