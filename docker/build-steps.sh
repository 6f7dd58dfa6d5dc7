#!/usr/bin/env bash
# The Dockerfile's steps, run outside Docker (no engine on CI machines), so a broken step fails CI.
# --check: build in a temporary directory exactly as the image does, prune (docker/prune-runtime.sh), then prove the
# runtime layout works with runtime dependencies only: the CLI starts, the matcher loads the fingerprints and names
# a Hikvision banner, and `serve` (SQLite addon included) answers /health as the image's HEALTHCHECK asks it.
set -euo pipefail
case "${1:-}" in
  --check) ;;
  *) echo "usage: bash docker/build-steps.sh --check   (the Dockerfile's steps, outside Docker; takes a few minutes)" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/camaudit-image.XXXXXX)
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "build-steps: stage build in $work/build"
mkdir -p "$work/build" && cd "$work/build"
cp "$root/package.json" "$root/package-lock.json" "$root/tsconfig.json" "$root/tsconfig.build.json" .
npm ci --no-fund --loglevel=error
cp -r "$root/src" "$root/web" "$root/fingerprints" .
mkdir -p scripts && cp "$root/scripts/build-web.ts" scripts/
mkdir -p docker && cp "$root/docker/prune-runtime.sh" docker/
npm run build --silent
sh docker/prune-runtime.sh

echo "build-steps: stage runtime in $work/runtime"
mkdir -p "$work/runtime/data" && cd "$work/runtime"
cp "$work/build/package.json" .
cp -r "$work/build/node_modules" "$work/build/fingerprints" .
mkdir -p dist && cp -r "$work/build/dist/src" dist/src && cp -r "$work/build/dist/web" dist/web
node dist/src/cli/main.js --version
echo "build-steps: runtime node_modules $(du -sh node_modules | cut -f1), dist $(du -sh dist | cut -f1), fingerprints $(du -sh fingerprints | cut -f1)"
identified=$(printf '%s\n' '{"source":"http","ip":"192.0.2.1","port":80,"http":{"url":"http://192.0.2.1/","status":200,"headers":{"server":"DNVRS-Webs"}}}' | node dist/src/cli/main.js identify -)
case "$identified" in
  *'"vendor":"Hikvision"'*) echo "build-steps: runtime matcher identifies a Hikvision banner" ;;
  *) echo "build-steps: FAILED: identify gave: $identified" >&2; exit 1 ;;
esac
port=$((20000 + RANDOM % 20000))
# --allow-cidr lets serve create the inventory (a serve that may not scan wants an existing one); no
# --scan-every, so nothing is ever sent.
node dist/src/cli/main.js serve --db "$work/runtime/data/camaudit.sqlite" --host 127.0.0.1 --port "$port" --allow-cidr 192.0.2.0/32 &
server_pid=$!
for _ in $(seq 1 50); do
  if node -e "fetch('http://127.0.0.1:$port/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    echo "build-steps: runtime image layout serves /health on 127.0.0.1:$port"
    node -e "fetch('http://127.0.0.1:$port/').then(r => process.exit(r.ok && r.headers.get('content-security-policy') ? 0 : 1), () => process.exit(1))" \
      || { echo "build-steps: FAILED: the planning page is not served at /" >&2; exit 1; }
    echo "build-steps: and the planning page at /"
    exit 0
  fi
  sleep 0.2
done
echo "build-steps: FAILED: serve did not answer /health" >&2
exit 1
