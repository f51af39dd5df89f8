// A growable byte buffer with the encodings a WebAssembly module needs (LEB128, sections).

export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(1024);
  length = 0;

  /** Room for `n` more bytes. */
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    grown.set(this.buf);
    this.buf = grown;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  bytes(bs: ArrayLike<number>): void {
    this.ensure(bs.length);
    if (bs instanceof Uint8Array) this.buf.set(bs, this.length);
    else for (let i = 0; i < bs.length; i++) this.buf[this.length + i] = bs[i];
    this.length += bs.length;
  }

  /** Unsigned LEB128 (u32). */
  u32(v: number): void {
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v) b |= 0x80;
      this.byte(b);
    } while (v);
  }

  /** Signed LEB128 (i32). */
  s32(v: number): void {
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && !(b & 0x40)) || (v === -1 && (b & 0x40))) { this.byte(b); return; }
      this.byte(b | 0x80);
    }
  }

  name(s: string): void {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }

  /** Append another writer's bytes, preceded by their length (a section or a function body). */
  sized(w: ByteWriter): void {
    this.u32(w.length);
    this.bytes(w.view());
  }

  view(): Uint8Array<ArrayBuffer> { return this.buf.subarray(0, this.length); }
}

/** A module's bytes from its sections (id, contents), in order. */
export function wasmModule(sections: [number, ByteWriter][]): Uint8Array<ArrayBuffer> {
  const mod = new ByteWriter();
  mod.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  for (const [id, sec] of sections) {
    mod.byte(id);
    mod.sized(sec);
  }
  return mod.view();
}

/**
 * A module of one function, of type `type` in `types`, exported as `name`; `imports` holds
 * `importedFuncs` function imports (so the function's index is that) and any others.
 */
export function oneFunctionModule(types: ByteWriter, imports: ByteWriter, importedFuncs: number, type: number, name: string, body: ByteWriter): Uint8Array<ArrayBuffer> {
  const funcs = new ByteWriter();
  funcs.u32(1); funcs.u32(type);
  const exports = new ByteWriter();
  exports.u32(1); exports.name(name); exports.byte(0); exports.u32(importedFuncs);
  const code = new ByteWriter();
  code.u32(1); code.sized(body);
  return wasmModule([[1, types], [2, imports], [3, funcs], [7, exports], [10, code]]);
}
