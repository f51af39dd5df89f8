// Argument parsing for monitor commands: QEMU's "/fmt" (count, format letter, size letter,
// sticky defaults), expressions, file names, and the end of the line.
import { X86Cpu } from '../emu/translate-i386/cpu';
import { FormatState, MonitorError } from './context';
import { evalExpr } from './expr';

export interface DumpFormat {
  count: number;
  /** x d u o c i, and s (a string, our extension to QEMU's x/xp). */
  format: string;
  /** 1, 2, 4 or 8 bytes. */
  size: number;
}

const SIZE_LETTERS: Record<string, number> = { b: 1, h: 2, w: 4, g: 8, L: 8 };

/**
 * Parse an optional "/[count][format][size]" at the start of `text` (QEMU's monitor_parse_arguments
 * for type '/'). Updates the sticky defaults as QEMU does: the format always, the size unless
 * the format is 'i'. Returns the format and the rest of the line.
 */
export function parseFormat(text: string, fmt: FormatState, letters: string): { dump: DumpFormat; rest: string } {
  let t = text.trimStart();
  let count = 1, format = '', size = 0;
  if (t.startsWith('/')) {
    let i = 1;
    const m = /^\d+/.exec(t.slice(i));
    if (m) { count = Number(m[0]); i += m[0].length; }
    for (; i < t.length; i++) {
      const c = t[i];
      if (letters.includes(c)) format = c;
      else if (c in SIZE_LETTERS) size = SIZE_LETTERS[c];
      else break;
    }
    if (i < t.length && !/\s/.test(t[i])) throw new MonitorError(`invalid char in format: '${t[i]}'`);
    t = t.slice(i);
  }
  if (!format) format = fmt.format;
  if (format !== 'i') {
    if (!size) size = fmt.size;
    fmt.size = size;
  }
  fmt.format = format;
  return { dump: { count, format, size: size || fmt.size }, rest: t.trim() };
}

/**
 * One expression argument of several (memsave's address and size): it ends at whitespace
 * outside parentheses, so that `memsave $esp+8 256 /tmp/f` does not read "256 / tmp".
 * Write `($esp + 8)` for an expression with spaces.
 */
export function exprArg(cpu: X86Cpu, text: string, what: string): { value: bigint; rest: string } {
  const t = text.trimStart();
  if (!t) throw new MonitorError(`missing argument: ${what}`);
  let depth = 0, i = 0;
  for (; i < t.length; i++) {
    const c = t[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (/\s/.test(c) && depth <= 0) break;
  }
  return { value: evalExpr(cpu, t.slice(0, i)), rest: t.slice(i).trim() };
}

/** A word (a file name): up to whitespace, or a "double-quoted" string with \" escapes. */
export function wordArg(text: string, what: string): { word: string; rest: string } {
  const t = text.trimStart();
  if (!t) throw new MonitorError(`missing argument: ${what}`);
  if (t[0] === '"') {
    const m = /^"((?:\\.|[^"\\])*)"/.exec(t);
    if (!m) throw new MonitorError(`unterminated string in ${what}`);
    return { word: m[1].replace(/\\(.)/g, '$1'), rest: t.slice(m[0].length).trim() };
  }
  const m = /^\S+/.exec(t)!;
  return { word: m[0], rest: t.slice(m[0].length).trim() };
}

export function expectEnd(rest: string): void {
  if (rest.trim()) throw new MonitorError(`extraneous characters at the end of line: '${rest.trim()}'`);
}
