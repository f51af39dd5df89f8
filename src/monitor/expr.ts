// Monitor expressions, as QEMU's HMP parses them: numbers (0x hex, 0 octal, decimal,
// 'c' characters), $registers, parentheses, unary - + ~, and binary operators. Values are
// 64-bit like QEMU's (BigInt, kept as unsigned 64-bit); / % >> are signed as in QEMU.
// Unlike QEMU, the binary operators have C's precedence (QEMU binds & | ^ tighter than + -),
// and << >> exist; $cr0-$cr4, $dr0-$dr7, $efer and 8/16-bit registers are extensions.
import { X86Cpu } from '../emu/translate-i386/cpu';
import {
  CR0, CR2, CR3, CR4, DR0, EFER, EIP, R_EAX, R_EBP, R_EBX, R_ECX, R_EDI, R_EDX, R_ESI, R_ESP,
  SEG_ATTR, SEG_BASE, SEG_CS, SEG_LIMIT, SEG_NAMES, SEG_SEL,
} from '../emu/translate-i386/state';
import { MonitorError } from './context';

const MASK64 = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => v & MASK64;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);

const GPR32: Record<string, number> = {
  eax: R_EAX, ecx: R_ECX, edx: R_EDX, ebx: R_EBX, esp: R_ESP, ebp: R_EBP, esi: R_ESI, edi: R_EDI, sp: R_ESP, fp: R_EBP,
};
const GPR16: Record<string, number> = { ax: R_EAX, cx: R_ECX, dx: R_EDX, bx: R_EBX };
const GPR8: Record<string, [number, number]> = {
  al: [R_EAX, 0], cl: [R_ECX, 0], dl: [R_EDX, 0], bl: [R_EBX, 0], ah: [R_EAX, 8], ch: [R_ECX, 8], dh: [R_EDX, 8], bh: [R_EBX, 8],
};
const CTRL: Record<string, number> = { cr0: CR0, cr2: CR2, cr3: CR3, cr4: CR4, efer: EFER };

/** Value of register `name` (without the $), or undefined when there is none by that name. */
export function readRegister(cpu: X86Cpu, name: string): bigint | undefined {
  const s = cpu.s;
  const n = name.toLowerCase();
  const u32 = (v: number) => BigInt(v >>> 0);
  if (n in GPR32) return u32(s[GPR32[n]]);
  if (n in GPR16) return u32(s[GPR16[n]] & 0xffff);
  if (n in GPR8) { const [r, sh] = GPR8[n]; return u32((s[r] >>> sh) & 0xff); }
  if (n in CTRL) return u32(s[CTRL[n]]);
  if (n === 'eip') return u32(s[EIP]);
  if (n === 'pc') return u32(s[SEG_BASE + SEG_CS] + s[EIP]);
  if (n === 'eflags') return u32(cpu.getEflags());
  const dr = /^dr([0-7])$/.exec(n);
  if (dr) return u32(s[DR0 + Number(dr[1])]);
  const seg = /^(es|cs|ss|ds|fs|gs)(?:\.(base|limit|attr))?$/.exec(n);
  if (seg) {
    const i = SEG_NAMES.indexOf(seg[1]);
    const slot = seg[2] === 'base' ? SEG_BASE : seg[2] === 'limit' ? SEG_LIMIT : seg[2] === 'attr' ? SEG_ATTR : SEG_SEL;
    return u32(slot === SEG_SEL ? s[slot + i] & 0xffff : s[slot + i]);
  }
  return undefined;
}

export interface ExprResult { value: bigint; end: number }

/** Recursive-descent parser over `text` from `pos`; stops at the first character that cannot continue the expression. */
class ExprParser {
  constructor(private readonly cpu: X86Cpu, private readonly text: string, public pos: number) {}

  private skip(): void { while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++; }

  private peekOp(ops: string[]): string | null {
    this.skip();
    for (const op of ops) {
      if (!this.text.startsWith(op, this.pos)) continue;
      // '&&' and '||' are not operators of ours: the expression ends there.
      if ((op === '&' || op === '|') && this.text[this.pos + 1] === op) return null;
      return op;
    }
    return null;
  }

  private binary(level: number): bigint {
    const LEVELS: string[][] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];
    if (level === LEVELS.length) return this.unary();
    let v = this.binary(level + 1);
    for (;;) {
      const op = this.peekOp(LEVELS[level]);
      if (!op) return v;
      this.pos += op.length;
      const r = this.binary(level + 1);
      v = apply(op, v, r);
    }
  }

  private unary(): bigint {
    this.skip();
    const c = this.text[this.pos];
    if (c === '-') { this.pos++; return u64(-this.unary()); }
    if (c === '+') { this.pos++; return this.unary(); }
    if (c === '~') { this.pos++; return u64(~this.unary()); }
    return this.primary();
  }

  private primary(): bigint {
    this.skip();
    const t = this.text, c = t[this.pos];
    if (c === undefined) throw new MonitorError('unexpected end of expression');
    if (c === '(') {
      this.pos++;
      const v = this.binary(0);
      this.skip();
      if (t[this.pos] !== ')') throw new MonitorError("')' expected");
      this.pos++;
      return v;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z]+)?)/.exec(t.slice(this.pos));
      if (!m) throw new MonitorError('register name expected after $');
      const v = readRegister(this.cpu, m[1]);
      if (v === undefined) throw new MonitorError(`unknown register '$${m[1]}'`);
      this.pos += m[0].length;
      return v;
    }
    if (c === "'") {
      const m = /^'(\\.|[^'\\])'/.exec(t.slice(this.pos));
      if (!m) throw new MonitorError('invalid character constant');
      this.pos += m[0].length;
      const ch = m[1].length === 2 ? ({ n: '\n', r: '\r', t: '\t', '0': '\0' } as Record<string, string>)[m[1][1]] ?? m[1][1] : m[1];
      return BigInt(ch.charCodeAt(0));
    }
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?![0-9A-Za-z_])/.exec(t.slice(this.pos));
    if (!m) {
      if (/[0-9]/.test(c)) throw new MonitorError(`invalid number '${/^[0-9A-Za-z_]+/.exec(t.slice(this.pos))![0]}'`);
      throw new MonitorError(`invalid char '${c}' in expression`);
    }
    this.pos += m[0].length;
    const digits = m[1];
    const v = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits[0] === '0' ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
    if (v > MASK64) throw new MonitorError(`number too large: ${digits}`);
    return v;
  }

  parse(): bigint { return this.binary(0); }
}

function apply(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '+': return u64(a + b);
    case '-': return u64(a - b);
    case '*': return u64(a * b);
    case '<<': return b >= 64n ? 0n : u64(a << b);
    case '>>': return b >= 64n ? (s64(a) < 0n ? MASK64 : 0n) : u64(s64(a) >> b);
    case '/': case '%':
      if (b === 0n) throw new MonitorError('division by zero');
      return u64(op === '/' ? s64(a) / s64(b) : s64(a) % s64(b));
    default: throw new MonitorError(`unknown operator '${op}'`);
  }
}

/** Parse an expression starting at `pos`; `end` is where it stopped (the next argument, or junk). */
export function parseExpr(cpu: X86Cpu, text: string, pos = 0): ExprResult {
  const p = new ExprParser(cpu, text, pos);
  const value = p.parse();
  return { value, end: p.pos };
}

/** The whole of `text` as one expression. */
export function evalExpr(cpu: X86Cpu, text: string): bigint {
  const r = parseExpr(cpu, text);
  const rest = text.slice(r.end).trim();
  if (rest) throw new MonitorError(`extraneous characters at the end of the expression: '${rest}'`);
  return r.value;
}

export { u64, s64 };
