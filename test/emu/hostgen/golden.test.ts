// Golden tests: the optimized IR and the generated JavaScript of a few instruction sequences
// are kept in test/emu/golden, so that every change to code generation shows in review.
// UPDATE_GOLDEN=1 npm test rewrites them.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { genFunctionSource } from '../../../src/emu/hostgen/jsgen';
import { optimize } from '../../../src/emu/tcg/optimize';
import { formatIr } from '../../../src/emu/tcg/printer';
import { ROOT } from '../../support/run-tcg86';
import { loadFixture, translateAt } from '../../support/translate-fixture';

const GOLDEN = path.join(ROOT, 'test', 'emu', 'golden');

describe('code generation golden files', () => {
  const { code, syms } = loadFixture('golden');
  for (const [name, pc] of syms) {
    it(name, () => {
      const r = translateAt(code, pc);
      const before = formatIr(r.ir);
      optimize(r.ir);
      const text = `# ${name} at 0x${pc.toString(16)}: ${r.icount} insns\n## IR\n${before}## IR after optimization\n${formatIr(r.ir)}## JavaScript\n${genFunctionSource(r.ir, `tb_${name}`)}\n`;
      const file = path.join(GOLDEN, `${name}.txt`);
      if (process.env.UPDATE_GOLDEN || !fs.existsSync(file)) fs.writeFileSync(file, text);
      expect(text).to.equal(fs.readFileSync(file, 'utf8'));
    });
  }
});
