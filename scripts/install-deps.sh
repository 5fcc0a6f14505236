#!/usr/bin/env bash
# Installs the Debian packages tokenfab needs, skipping those already present.
set -euo pipefail
packages=(cmake make g++ libyaml-cpp-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev
          libbenchmark-dev libsqlite3-dev libopenmpi-dev openmpi-bin
          pybind11-dev python3-dev python3-pytest pkg-config coinor-libcbc-dev
          libcpp-httplib-dev chromium nodejs
          clang libclang-rt-14-dev)  # clang + libFuzzer: make fuzz
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
