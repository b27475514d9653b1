#!/usr/bin/env bash
# Installs the Debian packages tributary needs to build and test.
# Runs `apt-get update` once and installs only what is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libsqlite3-dev libsimdjson-dev libcli11-dev
  zlib1g-dev libzstd-dev libssl-dev
  thrift-compiler libthrift-dev libboost-dev libsnappy-dev liblz4-dev libbrotli-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  zstd gzip sqlite3
  libcpp-httplib-dev curl wrk openssl bc
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
