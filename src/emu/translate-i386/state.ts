// Architectural state of the i386 CPU: one Int32Array (values stay int32, never boxed),
// indexed by the constants below. The IR's globals are indices into this array.

export const R_EAX = 0, R_ECX = 1, R_EDX = 2, R_EBX = 3, R_ESP = 4, R_EBP = 5, R_ESI = 6, R_EDI = 7;
export const EIP = 8;
/** EFLAGS bits other than O/S/Z/A/P/C (those live in the lazy cc_* state). */
export const EFLAGS = 9;
export const CC_OP = 10, CC_DST = 11, CC_SRC = 12, CC_SRC2 = 13;
/** Segment registers in x86 encoding order: ES CS SS DS FS GS. */
export const SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5;
export const SEG_SEL = 14, SEG_BASE = 20, SEG_LIMIT = 26, SEG_ATTR = 32;
export const GDTR_BASE = 38, GDTR_LIMIT = 39, IDTR_BASE = 40, IDTR_LIMIT = 41;
export const LDTR_SEL = 42, LDTR_BASE = 43, LDTR_LIMIT = 44, LDTR_ATTR = 45;
export const TR_SEL = 46, TR_BASE = 47, TR_LIMIT = 48, TR_ATTR = 49;
export const CR0 = 50, CR2 = 51, CR3 = 52, CR4 = 53;
export const DR0 = 54; // DR0..DR7 at 54..61
export const EFER = 62, SYSENTER_CS = 63, SYSENTER_ESP = 64, SYSENTER_EIP = 65;
/** Translation-relevant mode bits (the TB flags), kept in sync by the helpers that change mode. */
export const HFLAGS = 66;
/**
 * Instructions that self-loops, regions and rep-string chunks completed beyond their TB's own
 * count (a state word so that wasm code can add to it too); the exec loop adds and clears it.
 */
export const EXTRA_INSNS = 67;
/**
 * The wasm dispatcher's words (hostgen/wasm-dispatch.ts): what the exec loop must see before
 * the next TB (bit 0 an exit request, bit 1 the interrupt line), the slot whose code it called
 * last, 1 when it returned for a unit tick, and the TBs it went on from without the exec loop.
 */
export const DISPATCH_PENDING = 68, DISPATCH_SLOT = 69, DISPATCH_TICK = 70, DISPATCH_CHAINED = 71;
/**
 * A compiled TB left before a memory access that missed the TLB (see wasmgen.ts): 1 + the
 * instructions it completed. The exec loop runs the access's instruction alone next.
 */
export const MEM_RESTART = 72;
export const STATE_SIZE = 80;

export const FLAG_CF = 0x1, FLAG_PF = 0x4, FLAG_AF = 0x10, FLAG_ZF = 0x40, FLAG_SF = 0x80;
export const FLAG_TF = 0x100, FLAG_IF = 0x200, FLAG_DF = 0x400, FLAG_OF = 0x800;
export const FLAG_IOPL = 0x3000, FLAG_NT = 0x4000, FLAG_RF = 0x10000, FLAG_VM = 0x20000;
export const FLAG_AC = 0x40000, FLAG_ID = 0x200000;
export const CC_MASK = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

export const CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20;
export const CR0_WP = 0x10000, CR0_AM = 0x40000, CR0_PG = 0x80000000 | 0;
/** CR4.DE: DR4/DR5 are #UD and DR7 R/W = 10 means an I/O breakpoint. */
export const CR4_DE = 0x8, CR4_PGE = 0x80;
export const CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;

/** Exception vectors. */
export const EXC_DE = 0, EXC_DB = 1, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6, EXC_NM = 7, EXC_DF = 8;
export const EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_XM = 19;

/** Segment attribute bits: the descriptor's second dword masked with 0x00F0FF00. */
export const DESC_P = 1 << 15, DESC_S = 1 << 12, DESC_B = 1 << 22, DESC_G = 1 << 23;
export const DESC_TYPE_SHIFT = 8, DESC_DPL_SHIFT = 13;

// hflags: every mode bit the translator reads. Part of the TB key.
export const HF_CPL_MASK = 3;
export const HF_CS32 = 1 << 2;
export const HF_SS32 = 1 << 3;
/** DS/ES/SS do not all have base 0: the translator must add their bases. */
export const HF_ADDSEG = 1 << 4;
export const HF_PE = 1 << 5;
export const HF_TF = 1 << 6;
/** Interrupts inhibited for one instruction (after sti, mov ss, pop ss). */
export const HF_INHIBIT_IRQ = 1 << 7;
export const HF_PG = 1 << 8;
/** Alignment checking is on: CPL 3, CR0.AM and EFLAGS.AC (the translator emits #AC checks). */
export const HF_AC = 1 << 9;

export const REG_NAMES32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

/** Names of the state slots, for the IR printer. */
export function globalNames(): string[] {
  const n: string[] = [];
  REG_NAMES32.forEach((r, i) => { n[i] = r; });
  n[EIP] = 'eip'; n[EFLAGS] = 'eflags'; n[CC_OP] = 'cc_op'; n[CC_DST] = 'cc_dst'; n[CC_SRC] = 'cc_src'; n[CC_SRC2] = 'cc_src2';
  SEG_NAMES.forEach((s, i) => { n[SEG_SEL + i] = s; n[SEG_BASE + i] = s + '_base'; n[SEG_LIMIT + i] = s + '_limit'; n[SEG_ATTR + i] = s + '_attr'; });
  n[CR0] = 'cr0'; n[CR2] = 'cr2'; n[CR3] = 'cr3'; n[CR4] = 'cr4'; n[HFLAGS] = 'hflags';
  for (let i = 0; i < 8; i++) n[DR0 + i] = 'dr' + i;
  return n;
}
