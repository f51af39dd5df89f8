#!/bin/sh
# Regenerate the i386 disassembler test fixtures in
# test/emu/translate-i386/fixtures with GNU binutils (as, objcopy, objdump)
# and node.  The outputs are committed so `npm test` needs no binutils:
#
#   isa32.bin / isa32.lst   isa32.S assembled (as --32), objdump listing
#   isa16.bin / isa16.lst   isa16.S (.code16), listed with -m i8086
#   fuzz.bin                seeded pseudo-random byte samples, one per 16
#                           bytes (plain random, prefix/0F-biased, x87)
#   fuzz32.lst / fuzz16.lst objdump's first instruction of each sample, in
#                           32-bit and 16-bit mode (each sample has its own
#                           symbol, so objdump restarts decoding there)
#
# Usage: tools/gen-disasm-fixtures.sh [OUTDIR]   (default: the fixtures dir)
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/test/emu/translate-i386/fixtures"
out=${1:-$src}
AS=${AS:-as}
OBJCOPY=${OBJCOPY:-objcopy}
OBJDUMP=${OBJDUMP:-objdump}
NODE=${NODE:-node}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$out"

version=$("$OBJDUMP" --version | head -n 1)

# The listings keep objdump's lines as printed, except that the padding
# after the instruction bytes (--insn-width=16 puts all bytes on one line)
# is squeezed out.
squeeze() {
  sed 's/  *\t/\t/'
}

# listing BIN MACHINE: objdump of a flat binary, header lines dropped.
listing() {
  echo "# $version"
  "$OBJDUMP" -D -b binary -m "$2" -w --insn-width=16 "$1" | sed -n '/^ *[0-9a-f]*:\t/p' | squeeze
}

for m in 32 16; do
  "$AS" --32 -o "$tmp/isa$m.o" "$src/isa$m.S"
  "$OBJCOPY" -O binary -j .text "$tmp/isa$m.o" "$out/isa$m.bin"
  if [ "$m" = 32 ]; then mach=i386; else mach=i8086; fi
  listing "$out/isa$m.bin" "$mach" > "$out/isa$m.lst"
done

# Fuzz samples: mulberry32 with a fixed seed.  Kinds: 2500 plain random,
# 2500 with 0-3 prefixes and a 0F / 0F 38 / 0F 3A biased opcode, 1000 x87.
"$NODE" - "$out/fuzz.bin" "$tmp/fuzz.s" <<'EOF'
const fs = require('fs');
const [binFile, asmFile] = process.argv.slice(2);
let s = 0x1386;
const rnd = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const rb = () => Math.floor(rnd() * 256);
const PFX = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x9b];
const samples = [];
const kinds = [['raw', 2500], ['mix', 2500], ['x87', 1000]];
for (const [kind, count] of kinds) {
  for (let i = 0; i < count; i++) {
    const b = [];
    if (kind === 'raw') {
      while (b.length < 16) b.push(rb());
    } else {
      const np = rnd() < 0.5 ? 0 : Math.floor(rnd() * 4);
      for (let j = 0; j < np; j++) b.push(PFX[Math.floor(rnd() * (kind === 'x87' ? 12 : 11))]);
      const r = rnd();
      if (kind === 'x87') b.push(0xd8 + Math.floor(rnd() * 8));
      else if (r < 0.4) b.push(rb());
      else if (r < 0.8) b.push(0x0f, rb());
      else if (r < 0.9) b.push(0x0f, 0x38, rb());
      else b.push(0x0f, 0x3a, rb());
      while (b.length < 16) b.push(rb());
    }
    samples.push(b.slice(0, 16));
  }
}
fs.writeFileSync(binFile, Buffer.from(samples.flat()));
let asm = '\t.text\n';
samples.forEach((b, i) => { asm += `s${i}:\t.byte ${b.map((x) => '0x' + x.toString(16)).join(',')}\n`; });
fs.writeFileSync(asmFile, asm);
EOF
"$AS" --32 -o "$tmp/fuzz.o" "$tmp/fuzz.s"
for m in 32 16; do
  if [ "$m" = 32 ]; then mopt=""; else mopt="-m i8086"; fi
  {
    echo "# $version"
    # Keep each symbol header and the first instruction line after it.
    # shellcheck disable=SC2086
    "$OBJDUMP" -d -w --insn-width=16 $mopt "$tmp/fuzz.o" |
      awk '/^[0-9a-f]+ <s[0-9]+>:$/ { print; take = 1; next }
           take && /^ *[0-9a-f]+:\t/ { print; take = 0 }' | squeeze
  } > "$out/fuzz$m.lst"
done
echo "fixtures written to $out"
