#!/usr/bin/env bash
# Rebuilds test/emu/translate-i386/fixtures/operands.bin (+ .sym) from operands.S
# with GNU as, as tools/build-golden-fixture.sh does for the golden fixture.
# The outputs are committed so the tests need no binutils.
set -euo pipefail
cd "$(dirname "$0")/../test/emu/translate-i386/fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
as --32 -o "$tmp/operands.o" operands.S
objcopy -O binary -j .text "$tmp/operands.o" operands.bin
nm "$tmp/operands.o" | sort > operands.sym
