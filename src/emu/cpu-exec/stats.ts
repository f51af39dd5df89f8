// Counters for `info jit` and the benchmarks, named after the decision they measure.
export class ExecStats {
  tbsTranslated = 0;
  tbsCompiled = 0;
  /** Of the compiled TBs, those compiled to WebAssembly (the rest: JavaScript). */
  tbsWasm = 0;
  compileBatches = 0;
  /** Regions (tier 3: hot loops of several TBs in one function) and the TBs in them. */
  regions = 0;
  regionTbs = 0;
  /** Page units compiled in the background and dropped, something they were made from having changed meanwhile. */
  unitsStale = 0;
  /** Page units being compiled in the background now. */
  unitsCompiling = 0;
  insnsTranslated = 0;
  opsBefore = 0;
  opsAfter = 0;
  flushes = 0;
  invalidations = 0;
  smcRestarts = 0;
  /** Guest stores that reached a page holding translated code (slow path). */
  codePageWrites = 0;
  lookups = 0;
  /** Runs of the wasm dispatcher, and the TBs it went on from to the next without the exec loop. */
  dispatcherRuns = 0;
  dispatcherChained = 0;
  jcHits = 0;
  /** Compiled TBs that left before a TLB miss, for the instruction to run alone. */
  memRestarts = 0;
  chainLinks = 0;
  insnsInterp = 0;
  /** Instructions executed in total (kept current by the exec loop's owner). */
  insnsTotal = 0;
  interrupts = 0;
  exceptions = 0;
  /** Host time spent translating (decode, IR, optimizer, interpreter code) and generating + compiling JavaScript. */
  translateMs = 0;
  compileMs = 0;

  describe(): string {
    const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '0.0') + '%';
    const per = (a: number, b: number) => (b ? (a / b).toFixed(2) : '0');
    return [
      `TBs translated        ${this.tbsTranslated}`,
      `TBs compiled          ${this.tbsCompiled} (in ${this.compileBatches} batches; ${this.tbsWasm} to WebAssembly, the rest to JavaScript)`,
      `regions, page units   ${this.regions} (${this.regionTbs} TBs; JavaScript regions, or wasm page units; ${this.unitsStale} units stale when compiled)`,
      `guest insns/TB        ${per(this.insnsTranslated, this.tbsTranslated)}`,
      `IR ops/insn           ${per(this.opsBefore, this.insnsTranslated)} before opt, ${per(this.opsAfter, this.insnsTranslated)} after`,
      `TB flushes            ${this.flushes}`,
      `TB invalidations      ${this.invalidations} (SMC restarts ${this.smcRestarts}, stores to code pages ${this.codePageWrites})`,
      `lookups               ${this.lookups} (jump cache hits ${pct(this.jcHits, this.lookups)})`,
      `chain links           ${this.chainLinks}`,
      `TLB-miss restarts     ${this.memRestarts} (compiled TBs left before a load or store that missed the TLB)`,
      `wasm dispatcher       ${this.dispatcherRuns} runs, ${this.dispatcherChained} TBs chained in wasm (links and the jump cache)`,
      `insns executed        ${this.insnsTotal} (interpreter ${pct(this.insnsInterp, this.insnsTotal)}, compiled ${pct(this.insnsTotal - this.insnsInterp, this.insnsTotal)})`,
      `interrupts            ${this.interrupts}, exceptions ${this.exceptions}`,
      `host time             translation ${(this.translateMs / 1000).toFixed(2)} s, code generation and compilation (wasm and JavaScript) ${(this.compileMs / 1000).toFixed(2)} s`,
    ].join('\n');
  }
}
