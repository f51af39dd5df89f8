#!/bin/sh
# Rebuild the guest test kernels (test/guest/bin/*.elf) and the demo and
# benchmark kernels (tools/guest/{demo,bench}/*.elf) from source.
# The built binaries are committed, so the tests need no toolchain.
#
# Usage (from anywhere; paths are resolved relative to the repo root):
#   tools/build-guests.sh               rebuild all kernels
#   tools/build-guests.sh --expected    rebuild, then regenerate the expected
#                                       serial outputs under QEMU
#   tools/build-guests.sh --check       rebuild, then run every kernel under
#                                       QEMU and compare with the expected files
#   tools/build-guests.sh [opts] NAME.. only the named kernels (test names, or
#                                       "demo" / "bench")
#
# Needs: gcc with 32-bit support (gcc-multilib), GNU ld, nasm (for .asm
# sources), qemu-system-i386 for --expected/--check.
#
# A test kernel NAME is built from every test/guest/src/NAME.{c,S,asm}
# present, linked with the runtime in test/guest/lib.  The expected outputs
# are the exact serial output of:
#   qemu-system-i386 -kernel K.elf -serial stdio -display none \
#       -device isa-debug-exit,iobase=0xf4,iosize=0x04
# (stdin from /dev/null); a kernel passes when QEMU exits with status 1
# (= (0 << 1) | 1, written to port 0xf4).
#
# Kernels whose expected output follows the Intel SDM where QEMU does not
# implement the feature are never run under QEMU here (--expected leaves their
# file alone, --check skips them); their expected files are written by hand:
#   align   #AC, the alignment-check exception (QEMU 7.2 never raises it)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

CC=${CC:-gcc}
LD=${LD:-ld}
NASM=${NASM:-nasm}
QEMU=${QEMU:-qemu-system-i386}
TIMEOUT=${TIMEOUT:-60}

mode=build
names=
for arg in "$@"; do
  case "$arg" in
    --expected) mode=expected ;;
    --check) mode=check ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) names="$names $arg" ;;
  esac
done

G=test/guest
# Deterministic flags: no debug info, no ident, relative file names.
CFLAGS="-m32 -march=i386 -mtune=generic -ffreestanding -fno-pie -fno-pic -nostdlib
  -fno-builtin -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident
  -fno-tree-loop-distribute-patterns -fcf-protection=none -O2 -g0 -Wall -Wextra -Wno-unused-parameter
  -ffile-prefix-map=$root/= -I $G/lib"
LIBGCC=$($CC -m32 -print-libgcc-file-name)
LDFLAGS="-m elf_i386 -n --build-id=none -z noexecstack --no-warn-rwx-segments -T $G/lib/link.ld"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Per-kernel extra flags: C code may use only general registers, except in
# kernels that test the FPU/SIMD registers from C (sse computes error bounds
# with x87 long doubles).
extra_cflags() { # extra_cflags SRC
  case "$1" in
    */sse.c) echo "" ;;
    *) echo "-mgeneral-regs-only" ;;
  esac
}

compile() { # compile SRC OBJ
  case "$1" in
    *.c) $CC $CFLAGS $(extra_cflags "$1") -c -o "$2" "$1" ;;
    *.S) $CC $CFLAGS $(extra_cflags "$1") -c -o "$2" "$1" ;;
    *.asm) $NASM -f elf32 -I "$G/lib/" -o "$2" "$1" ;;
  esac
}

compile $G/lib/entry.S "$tmp/entry.o"
compile $G/lib/rt.c "$tmp/rt.o"

link() { # link OUT OBJ...
  out=$1; shift
  $LD $LDFLAGS -o "$out" "$tmp/entry.o" "$@" "$tmp/rt.o" "$LIBGCC"
}

all_tests=$(ls $G/src | sed -n 's/\.\(c\|S\|asm\)$//p' | sort -u)
[ -n "$names" ] || names="$all_tests demo bench"

elf_of() {
  case "$1" in
    demo) echo tools/guest/demo/demo.elf ;;
    bench) echo tools/guest/bench/bench.elf ;;
    *) echo $G/bin/$1.elf ;;
  esac
}
expected_of() {
  case "$1" in
    demo) echo "" ;;
    bench) echo tools/guest/bench/expected.txt ;;
    *) echo $G/expected/$1.txt ;;
  esac
}
sdm_only() { # sdm_only NAME: expected output from the SDM, not from QEMU (see above)
  case "$1" in
    align) return 0 ;;
    *) return 1 ;;
  esac
}

for n in $names; do
  case "$n" in
    demo|bench) srcs=tools/guest/$n/$n.c ;;
    *)
      srcs=
      for ext in c S asm; do
        [ -f $G/src/$n.$ext ] && srcs="$srcs $G/src/$n.$ext"
      done
      [ -n "$srcs" ] || { echo "no sources for $n" >&2; exit 1; }
      ;;
  esac
  objs=
  i=0
  for s in $srcs; do
    i=$((i + 1))
    compile "$s" "$tmp/$n.$i.o"
    objs="$objs $tmp/$n.$i.o"
  done
  link "$(elf_of $n)" $objs
  echo "built $(elf_of $n)"
done

[ $mode = build ] && exit 0

run_qemu() { # run_qemu ELF OUT -> QEMU exit status
  set +e
  timeout "$TIMEOUT" $QEMU -kernel "$1" -serial stdio -display none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$2" 2>"$tmp/qemu.err"
  st=$?
  set -e
  return $st
}

fail=0
for n in $names; do
  exp=$(expected_of $n)
  [ -n "$exp" ] || continue # the demo is interactive
  if sdm_only $n; then
    echo "$n: skipped (its expected output follows the SDM; QEMU does not implement what it tests)"
    continue
  fi
  elf=$(elf_of $n)
  start=$(date +%s%N)
  st=0
  run_qemu "$elf" "$tmp/out.txt" || st=$?
  t=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ $mode = expected ]; then
    cp "$tmp/out.txt" "$exp"
    res="wrote $exp"
  elif cmp -s "$tmp/out.txt" "$exp"; then
    res="output matches"
  else
    res="OUTPUT DIFFERS"
    diff "$exp" "$tmp/out.txt" | head -20 || true
    fail=1
  fi
  if [ $st -eq 1 ]; then
    echo "$n: PASS (exit status 1) ${t}ms, $res"
  else
    echo "$n: FAIL (exit status $st) ${t}ms, $res"
    tail -3 "$tmp/out.txt"
    cat "$tmp/qemu.err" >&2
    fail=1
  fi
done
exit $fail
