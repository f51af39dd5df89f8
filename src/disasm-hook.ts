// Connects the disassembler (translate-i386/disasm) to the `-d in_asm` log.
import { TbLog } from './emu/cpu-exec/tblog';

export function setupDisassembler(log: TbLog): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const d = require('./emu/translate-i386/disasm') as { disassemble: TbLog['disasm'] };
    log.disasm = d.disassemble;
  } catch {
    log.disasm = null;
  }
}
