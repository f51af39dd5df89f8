// Translates TBs of a small assembled fixture (test/emu/fixtures) without a machine.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './run-tcg86';
import { translateTb } from '../../src/emu/translate-i386/translate';
import { HF_CS32, HF_SS32 } from '../../src/emu/translate-i386/state';

export const FIXTURES = path.join(ROOT, 'test', 'emu', 'fixtures');
export const LOAD_ADDR = 0x100000;

export function loadFixture(name: string): { code: Uint8Array; syms: Map<string, number> } {
  const code = fs.readFileSync(path.join(FIXTURES, `${name}.bin`));
  const syms = new Map<string, number>();
  for (const line of fs.readFileSync(path.join(FIXTURES, `${name}.sym`), 'utf8').trim().split('\n')) {
    const [addr, , sym] = line.split(/\s+/);
    syms.set(sym, LOAD_ADDR + parseInt(addr, 16));
  }
  return { code, syms };
}

export function translateAt(code: Uint8Array, pc: number, maxInsns = 128) {
  const fetch = (a: number) => code[a - LOAD_ADDR] ?? 0;
  return translateTb(fetch, 0, pc, HF_CS32 | HF_SS32, maxInsns);
}
