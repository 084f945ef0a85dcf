#!/usr/bin/env bash
# Builds the Go test programs (standard library only, GOPATH mode: no module proxy is needed) and
# prints the directory that holds them. Builds are cached by a hash of the sources, so running this
# again costs nothing until a .go file changes.
#   gobgolden                         writes Go's own gob bytes for the codec's golden tests
#   docker-machine-driver-legacytest  a driver speaking docker-machine's legacy plugin protocol
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: the Go tests need Debian's golang-go (apt-get install golang-go)" >&2
  exit 1
fi
hash=$( (cd "$here" && find src -type f -name '*.go' | LC_ALL=C sort | xargs sha256sum; go version) \
  | sha256sum | cut -c1-16)
cache="${MACHINEHOST_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/machinehost-go}"
bin="$cache/$hash"
if [ ! -x "$bin/docker-machine-driver-legacytest" ] || [ ! -x "$bin/gobgolden" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.build.XXXXXX")"
  export GO111MODULE=off GOPATH="$here" GOFLAGS=-mod= CGO_ENABLED=0
  export GOCACHE="${GOCACHE:-$cache/gocache}"
  go build -o "$tmp/gobgolden" gobgolden
  go build -o "$tmp/docker-machine-driver-legacytest" legacydriver
  rm -rf "$bin"
  mv "$tmp" "$bin"
fi
echo "$bin"
