#!/usr/bin/env bash
# Rebuilds test/emu/fixtures/golden.bin (+ .sym) from golden.S with GNU as.
set -euo pipefail
cd "$(dirname "$0")/../test/emu/fixtures"
as --32 -o golden.o golden.S
objcopy -O binary -j .text golden.o golden.bin
nm golden.o | sort > golden.sym
rm -f golden.o
