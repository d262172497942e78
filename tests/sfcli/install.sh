#!/usr/bin/env bash
# Installs the pinned Salesforce CLI once into CACHE_DIR (a folder of the build tree).
#
# The CLI is installed from its published tarball and npm is run inside the unpacked package,
# so the npm-shrinkwrap.json Salesforce published is the lock file: exactly the released
# dependency tree. (`npm install @salesforce/cli` or `npm install -g <tarball>` resolve the
# dependencies afresh and pick e.g. @jsforce/jsforce-node 3.12 / undici 8, which need Node 22;
# `npm ci` refuses this shrinkwrap because its dev entries are out of sync with package.json.)
# Usage: install.sh NPM CACHE_DIR VERSION
set -euo pipefail
npm=$1
cache=$2
version=$3
stamp="$cache/.sfnotify-sf-cli-$version"
if [ -f "$stamp" ] && [ -x "$cache/package/bin/run.js" ]; then
  echo "Salesforce CLI $version already installed in $cache"
  exit 0
fi
start=$(date +%s)
rm -rf "$cache"
mkdir -p "$cache"
cd "$cache"
tarball=$("$npm" pack --silent "@salesforce/cli@$version" | tail -n 1)
tar xzf "$tarball"
cd package
# --ignore-scripts: the CLI's only install scripts are a check for an old sfdx on PATH and
# protobufjs/yarn version notices; none builds anything.
"$npm" install --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier
SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true SF_SKIP_NEW_VERSION_CHECK=true \
  HOME="$cache" ./bin/run.js --version
touch "$stamp"
echo "Salesforce CLI $version installed in $(( $(date +%s) - start )) s"
