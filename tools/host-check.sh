#!/bin/sh
# Compare a guest test's sweeps with the host CPU (an x86 machine): build
# test/guest/src/NAME.c with -DHOST as a 32-bit Linux program (its main prints
# the sweep lines), run the kernel under tcg86 with "-append verbose", and diff
# the sweep lines (those with " in ").  Only kernels with a HOST main (sse).
#
# Usage: tools/host-check.sh [NAME] [BACKEND]     (default: sse js)
# Needs gcc-multilib and a built tcg86 (npx tsc -p .).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
name=${1:-sse}
backend=${2:-js}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
${CC:-gcc} -m32 -O2 -no-pie -static -DHOST -I tools/guest/host test/guest/src/$name.c -o "$tmp/host"
"$tmp/host" | grep ' in ' >"$tmp/host.txt"
node bin/tcg86.js -kernel test/guest/bin/$name.elf -serial stdio -display none \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -accel tcg,backend=$backend \
  -append verbose </dev/null 2>&1 | grep ' in ' >"$tmp/tcg86.txt" || true
n=$(wc -l <"$tmp/host.txt")
if cmp -s "$tmp/host.txt" "$tmp/tcg86.txt"; then
  echo "$name: $n sweep lines identical to the host CPU"
else
  diff "$tmp/host.txt" "$tmp/tcg86.txt" | head -40
  echo "$name: DIFFERS from the host CPU ($n lines)"
  exit 1
fi
