#!/bin/sh
# Rebuild the multiboot loader test fixtures in test/hw/pc/fixtures from their
# sources, with GNU binutils only (as --32, ld -m elf_i386, objcopy).
# The built binaries are committed so the tests need no toolchain.
#
# Usage: tools/build-multiboot-fixtures.sh   (from anywhere)
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
dir="$here/test/hw/pc/fixtures"
AS=${AS:-as}
LD=${LD:-ld}
OBJCOPY=${OBJCOPY:-objcopy}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cd "$dir"

asm() { # asm SRC OBJ
  "$AS" --32 -I "$dir" -o "$2" "$1"
}
link() { # link SCRIPT OBJ OUT
  # -n: do not page-align the file layout (keeps the files small and the
  # multiboot header well inside the first 8 KiB); no build-id note.
  "$LD" -m elf_i386 -n --build-id=none -z noexecstack --no-warn-rwx-segments -T "$1" -o "$3" "$2"
}

asm elf-kernel.S   "$tmp/elf-kernel.o"
link elf-kernel.ld "$tmp/elf-kernel.o" elf-kernel.elf

asm higher-half.S   "$tmp/higher-half.o"
link higher-half.ld "$tmp/higher-half.o" higher-half.elf

asm aout-kludge.S   "$tmp/aout-kludge.o"
link aout-kludge.ld "$tmp/aout-kludge.o" "$tmp/aout-kludge.elf"
"$OBJCOPY" -O binary "$tmp/aout-kludge.elf" aout-kludge.bin

asm no-header.S     "$tmp/no-header.o"
link elf-kernel.ld  "$tmp/no-header.o" no-header.elf

asm bad-checksum.S  "$tmp/bad-checksum.o"
link elf-kernel.ld  "$tmp/bad-checksum.o" bad-checksum.elf

# Prints "before" on COM1, then triple-faults (int3 through an IDT of limit 0).
asm triple-fault.S  "$tmp/triple-fault.o"
link elf-kernel.ld  "$tmp/triple-fault.o" triple-fault.elf

# Same object as elf-kernel.elf, linked at 256 MiB.
link high-load.ld   "$tmp/elf-kernel.o" high-load.elf

# elf-kernel.elf cut just before the end of its .data segment's file bytes:
# headers and multiboot header intact, segment contents truncated.
python3 - "$dir" <<'PY'
import struct, sys, os
d = sys.argv[1]
elf = open(os.path.join(d, "elf-kernel.elf"), "rb").read()
phoff, = struct.unpack_from("<I", elf, 28)
phentsize, phnum = struct.unpack_from("<HH", elf, 42)
end = 0
for i in range(phnum):
    p_type, p_offset, _, _, p_filesz = struct.unpack_from("<IIIII", elf, phoff + i * phentsize)
    if p_type == 1 and p_filesz:
        end = max(end, p_offset + p_filesz)
open(os.path.join(d, "truncated.elf"), "wb").write(elf[:end - 8])
PY

ls -l "$dir"/*.elf "$dir"/*.bin
