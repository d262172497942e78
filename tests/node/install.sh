#!/usr/bin/env bash
# Installs the Node test tools from the lock file when node_modules is missing or stale.
set -euo pipefail
npm=${1:-npm}
cd "$(dirname "$0")"
stamp=node_modules/.sfnotify-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp"; then
  echo "node_modules up to date"
  exit 0
fi
"$npm" ci --no-audit --no-fund --ignore-scripts
cp package-lock.json "$stamp"
