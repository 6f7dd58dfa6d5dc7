#!/bin/sh
# Leaves in node_modules only what `camaudit` loads at run time. Used by the Dockerfile's build stage and by
# docker/build-steps.sh (CI), so the image and its check outside Docker drop exactly the same things.
#   - dev dependencies (TypeScript, vitest, eslint, tsx, esbuild, oui-data: build and test tools only);
#   - better-sqlite3's compile leftovers: its bundled SQLite sources (deps/, src/) and the object files of a
#     from-source build (~25 MB). Only build/Release/better_sqlite3.node is loaded, through `bindings`.
set -eu
npm prune --omit=dev --no-fund --loglevel=error
addon=node_modules/better-sqlite3
if [ ! -f "$addon/build/Release/better_sqlite3.node" ]; then
  echo "prune-runtime: $addon/build/Release/better_sqlite3.node is missing; nothing pruned from it" >&2
  exit 1
fi
keep=$(mktemp)
cp "$addon/build/Release/better_sqlite3.node" "$keep"
rm -rf "$addon/deps" "$addon/src" "$addon/build"
mkdir -p "$addon/build/Release"
mv "$keep" "$addon/build/Release/better_sqlite3.node"
chmod 0755 "$addon/build/Release/better_sqlite3.node"
