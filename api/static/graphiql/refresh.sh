#!/usr/bin/env bash
# Refreshes the vendored GraphiQL assets from the npm packages named in VERSIONS (needs node's npm; run from
# anywhere). Each file is taken from `npm pack PACKAGE@VERSION`, its sha384 written back into VERSIONS, and the
# package's licence copied into LICENSES/. Review the diff, then run the tests (tests/integration/api/test_pages.py
# checks every file against VERSIONS; tests/browser renders the page).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
manifest="$work/VERSIONS"
grep '^#' "$here/VERSIONS" > "$manifest"
grep -v '^#' "$here/VERSIONS" | while IFS=$'\t' read -r file package path _hash; do
  unpacked="$work/$(echo "$package" | tr '/@' '__')"
  if [ ! -d "$unpacked" ]; then
    mkdir -p "$unpacked"
    (cd "$work" && npm pack --silent "$package" > "$unpacked.name")
    tar xzf "$work/$(cat "$unpacked.name")" -C "$unpacked"
    name="${package%@*}"
    if [ -f "$unpacked/package/LICENSE" ]; then
      cp "$unpacked/package/LICENSE" "$here/LICENSES/$(echo "$name" | tr '/@' '__' | sed 's/^_//').LICENSE"
    fi
  fi
  cp "$unpacked/package/$path" "$here/$file"
  printf '%s\t%s\t%s\t%s\n' "$file" "$package" "$path" "$(openssl dgst -sha384 -binary "$here/$file" | base64 -w0)" >> "$manifest"
done
cp "$manifest" "$here/VERSIONS"
echo "refreshed: $(grep -vc '^#' "$here/VERSIONS") files"
