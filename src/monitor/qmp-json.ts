// JSON for QMP, the way QEMU reads and writes it: a streaming reader that cuts the byte
// stream into top-level values by counting braces and brackets (no newline needed between
// requests, a request may arrive in pieces), reports errors with QEMU's messages ("JSON parse
// error, ..."), resynchronizes after a lexical error (on a structural character or a control
// character such as a newline), and limits nesting and size. The writer prints QEMU's style:
// `{"a": 1, "b": [1, 2]}`, everything outside printable ASCII as \uXXXX.

/** A parsed value. Objects are Maps: keys such as "__proto__" stay plain data. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

/** One top-level value read from the stream, or the error that replaced it. */
export type JsonMessage = { ok: true; value: JsonValue } | { ok: false; error: string };

/** QEMU's json-streamer limits are 1024 levels, 64 MiB and 2 Mi tokens; the last two are smaller here. */
export const MAX_NESTING = 1024;
export const MAX_TOKEN_SIZE = 16 << 20;
export const MAX_TOKEN_COUNT = 1 << 20;

type Token =
  | { t: '{' | '}' | '[' | ']' | ':' | ',' }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'kw'; v: string };

const enum Lex { Start, Str, Num, Kw, Recovery }

const STRUCTURAL = '{}[]:,';
const NUMBER_RE = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

const isDigit = (c: string) => c >= '0' && c <= '9';
const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);

class ParseError extends Error {}

/** Recursive descent over the tokens of one top-level value (nesting is bounded by the streamer). */
function parseTokens(tokens: Token[]): JsonValue {
  let i = 0;
  const fail = (msg: string): never => { throw new ParseError(msg); };
  const next = (): Token => (i < tokens.length ? tokens[i++] : fail('premature EOI'));
  const peek = (): Token | undefined => tokens[i];

  const value = (): JsonValue => {
    const tok = next();
    switch (tok.t) {
      case '{': return object();
      case '[': return array();
      case 'str': case 'num': return tok.v;
      case 'kw':
        if (tok.v === 'true') return true;
        if (tok.v === 'false') return false;
        if (tok.v === 'null') return null;
        return fail(`invalid keyword '${tok.v}'`);
      default: return fail('expecting value');
    }
  };

  const object = (): JsonObject => {
    const m: JsonObject = new Map();
    if (peek()?.t === '}') { i++; return m; }
    for (;;) {
      const key = next();
      if (key.t !== 'str') fail('key is not a string in dict');
      const k = (key as { v: string }).v;
      if (next().t !== ':') fail('missing : in object pair');
      const v = value();
      if (m.has(k)) fail('duplicate key');
      m.set(k, v);
      const sep = next();
      if (sep.t === '}') return m;
      if (sep.t !== ',') fail('expected separator in dict');
    }
  };

  const array = (): JsonValue[] => {
    const a: JsonValue[] = [];
    if (peek()?.t === ']') { i++; return a; }
    for (;;) {
      a.push(value());
      const sep = next();
      if (sep.t === ']') return a;
      if (sep.t !== ',') fail('expected separator in list');
    }
  };

  const v = value();
  if (i < tokens.length) fail('expecting end of input');
  return v;
}

/**
 * Feed it text as it arrives; it calls `emit` once per top-level value or error, in order.
 * Never throws on bad input.
 */
export class JsonStreamParser {
  private state = Lex.Start;
  /** Text of the number or keyword being read; the decoded string being read. */
  private acc = '';
  private quote = '"';
  private escape = false;
  /** Hex digits of a \uXXXX escape being read (null: not in one). */
  private unicode: string | null = null;

  private tokens: Token[] = [];
  private size = 0;
  private braces = 0;
  private brackets = 0;
  /** After a limit error: drop tokens until the value being read closes. */
  private discarding = false;

  constructor(private readonly emit: (m: JsonMessage) => void) {}

  feed(text: string): void {
    for (let p = 0; p < text.length;) {
      if (this.step(text[p])) p++;
    }
  }

  /** Handle one character; false when it must be looked at again in the new state. */
  private step(c: string): boolean {
    switch (this.state) {
      case Lex.Start: return this.start(c);
      case Lex.Str: return this.inString(c);
      case Lex.Num:
        if (isDigit(c) || c === '-' || c === '+' || c === '.' || c === 'e' || c === 'E') return this.grow(c);
        this.state = Lex.Start;
        if (NUMBER_RE.test(this.acc)) this.token({ t: 'num', v: Number(this.acc) });
        else this.lexError(`stray '${this.acc}'`);
        return false;
      case Lex.Kw:
        if (c >= 'a' && c <= 'z') return this.grow(c);
        this.state = Lex.Start;
        this.token({ t: 'kw', v: this.acc });
        return false;
      default: // Lex.Recovery: skip to a structural character or a control character (newline)
        if (STRUCTURAL.includes(c) || (c < ' ' && c !== '\t')) { this.state = Lex.Start; return false; }
        return true;
    }
  }

  private start(c: string): boolean {
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') return true;
    if (STRUCTURAL.includes(c)) { this.token({ t: c as '{' }); return true; }
    this.acc = '';
    if (c === '"' || c === "'") {
      this.state = Lex.Str;
      this.quote = c;
      this.escape = false;
      this.unicode = null;
      return true;
    }
    if (c === '-' || isDigit(c)) { this.state = Lex.Num; return this.grow(c); }
    if (c >= 'a' && c <= 'z') { this.state = Lex.Kw; return this.grow(c); }
    this.lexError(`stray '${c}'`);
    return true;
  }

  private inString(c: string): boolean {
    if (this.unicode !== null) {
      if (!isHex(c)) { this.lexError(`stray '\\u${this.unicode}${c}'`); return true; }
      this.unicode += c;
      if (this.unicode.length === 4) { this.acc += String.fromCharCode(parseInt(this.unicode, 16)); this.unicode = null; }
      return true;
    }
    if (this.escape) {
      this.escape = false;
      if (c === 'u') { this.unicode = ''; return true; }
      const e = SIMPLE_ESCAPES[c];
      if (e === undefined) { this.lexError(`stray '\\${c}'`); return true; }
      this.acc += e;
      return true;
    }
    if (c === '\\') { this.escape = true; return true; }
    if (c === this.quote) {
      this.state = Lex.Start;
      this.token({ t: 'str', v: this.acc });
      this.acc = '';
      return true;
    }
    if (c < ' ') { this.lexError(`stray '${c}'`); return true; }
    return this.grow(c);
  }

  /** Append to the token being read, within the size limit. */
  private grow(c: string): boolean {
    if (this.size + this.acc.length >= MAX_TOKEN_SIZE) {
      this.reset();
      this.state = Lex.Recovery;
      this.emit({ ok: false, error: 'JSON token size limit exceeded' });
      return true;
    }
    this.acc += c;
    return true;
  }

  private reset(): void {
    this.tokens = [];
    this.size = 0;
    this.braces = 0;
    this.brackets = 0;
    this.discarding = false;
    this.acc = '';
  }

  /** A lexical error: report it, drop the value being read, skip to a resynchronization point. */
  private lexError(what: string): void {
    this.reset();
    this.state = Lex.Recovery;
    this.emit({ ok: false, error: `JSON parse error, ${what}` });
  }

  private token(tok: Token): void {
    if (tok.t === '{') this.braces++;
    else if (tok.t === '}') this.braces--;
    else if (tok.t === '[') this.brackets++;
    else if (tok.t === ']') this.brackets--;
    const closed = this.braces <= 0 && this.brackets <= 0 || this.braces < 0 || this.brackets < 0;
    if (this.discarding) {
      if (closed) this.reset();
      return;
    }
    this.tokens.push(tok);
    this.size += tok.t === 'str' || tok.t === 'kw' ? tok.v.length + 2 : tok.t === 'num' ? 8 : 1;
    if (closed) {
      const tokens = this.tokens;
      this.reset();
      let msg: JsonMessage;
      try {
        msg = { ok: true, value: parseTokens(tokens) };
      } catch (e) {
        msg = { ok: false, error: `JSON parse error, ${(e as Error).message}` };
      }
      this.emit(msg);
      return;
    }
    let limit: string | null = null;
    if (this.braces + this.brackets > MAX_NESTING) limit = 'JSON nesting depth limit exceeded';
    else if (this.size > MAX_TOKEN_SIZE) limit = 'JSON token size limit exceeded';
    else if (this.tokens.length > MAX_TOKEN_COUNT) limit = 'JSON token count limit exceeded';
    if (limit) {
      this.tokens = [];
      this.size = 0;
      this.discarding = true;
      this.emit({ ok: false, error: limit });
    }
  }
}

function quoteString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

/**
 * QEMU's compact JSON: `": "` and `", "` separators, ASCII only. Takes parsed values (Maps)
 * and plain objects; undefined members are left out, non-finite numbers print as null.
 */
export function toJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean': return v ? 'true' : 'false';
    case 'number': return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'bigint': return v.toString();
    case 'string': return quoteString(v);
    default: break;
  }
  if (Array.isArray(v)) return '[' + v.map(toJson).join(', ') + ']';
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
  const parts: string[] = [];
  for (const [k, x] of entries) if (x !== undefined) parts.push(`${quoteString(String(k))}: ${toJson(x)}`);
  return '{' + parts.join(', ') + '}';
}
