// Text form of the IR, for `-d op` / `-d op_opt` and golden tests.
import { COND_NAMES, CONST_BASE, GLOBAL_LIMIT, IrFunc, IrOp, Opc, opShape } from './ir';

const OPC_NAMES = [
  'mov', 'add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr', 'sar', 'rotl', 'rotr',
  'neg', 'not', 'ext8s', 'ext8u', 'ext16s', 'ext16u', 'mulhu', 'mulhs', 'setcond', 'movcond',
  'brcond', 'br', 'set_label', 'qemu_ld', 'qemu_st', 'call', 'exit_tb', 'insn_start',
];
const MEMOP_NAMES = ['ub', 'uw', 'l', '?', 'sb', 'sw'];

export function opName(op: Opc): string { return OPC_NAMES[op]; }

export function tempName(f: IrFunc, t: number): string {
  if (t < 0) return '_';
  if (t < GLOBAL_LIMIT) return f.globalNames[t] ?? `env[${t}]`;
  if (t < CONST_BASE) return `tmp${t - GLOBAL_LIMIT}`;
  const v = f.constValue(t);
  return v < 0 ? `$-0x${(-v).toString(16)}` : `$0x${v.toString(16)}`;
}

export function formatOp(f: IrFunc, o: IrOp): string {
  const a = o.args;
  const t = (x: number) => tempName(f, x);
  switch (o.op) {
    case Opc.insn_start: return ` ---- ${(a[0] >>> 0).toString(16).padStart(8, '0')}`;
    case Opc.label: return ` set_label $L${a[0]}`;
    case Opc.br: return ` br $L${a[0]}`;
    case Opc.exit: return ` exit_tb $${a[0]}`;
    case Opc.brcond: return ` brcond_i32 ${t(a[0])},${t(a[1])},${COND_NAMES[a[2]]},$L${a[3]}`;
    case Opc.setcond: return ` setcond_i32 ${t(a[0])},${t(a[1])},${t(a[2])},${COND_NAMES[a[3]]}`;
    case Opc.movcond: return ` movcond_i32 ${t(a[0])},${t(a[1])},${t(a[2])},${t(a[3])},${t(a[4])},${COND_NAMES[a[5]]}`;
    case Opc.ld: return ` qemu_ld_i32 ${t(a[0])},${t(a[1])},${MEMOP_NAMES[a[2]]}`;
    case Opc.st: return ` qemu_st_i32 ${t(a[1])},${t(a[0])},${MEMOP_NAMES[a[2]]}`;
    case Opc.call: {
      const h = f.helpers[a[a.length - 1]];
      return ` call ${h.name},${t(a[0])}${a.slice(1, -1).map(x => ',' + t(x)).join('')}`;
    }
    default: {
      const { nout, nin } = opShape(o);
      return ` ${OPC_NAMES[o.op]}_i32 ${a.slice(0, nout + nin).map(t).join(',')}`;
    }
  }
}

export function formatIr(f: IrFunc): string {
  return f.ops.map(o => formatOp(f, o)).join('\n') + '\n';
}
