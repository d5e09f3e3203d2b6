#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the PowerShell grammar used by the backends tests into this
# folder's node_modules (gitignored), pinned by package-lock.json.
# web-tree-sitter runs the grammar as WebAssembly: nothing is compiled and
# no package install script runs.  --prefer-offline takes the pinned
# packages from npm's cache when an earlier install left them there, so a
# machine that has installed them once does not need the registry again.
set -eu
cd "$(dirname "$0")"
exec npm ci --no-audit --no-fund --ignore-scripts --prefer-offline
