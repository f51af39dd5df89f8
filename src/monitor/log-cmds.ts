// `log ITEMS`, `logfile FILE` and `tb_flush`: the -d/-D settings and the TB cache, at run time.
import { LOG_ITEMS } from '../emu/cpu-exec/tblog';
import { expectEnd, wordArg } from './args';
import { MonitorContext, MonitorError } from './context';

export function cmdLog(ctx: MonitorContext, args: string): void {
  const list = args.trim();
  const exec = ctx.machine.exec;
  if (!list || list === 'help') {
    ctx.line('Log items (comma separated):');
    for (const [k, v] of Object.entries(LOG_ITEMS)) ctx.line(`${k.padEnd(10)} ${v}`);
    ctx.line(`${'none'.padEnd(10)} remove all logs`);
    return;
  }
  try {
    exec.log.setItems(list === 'none' ? '' : list);
  } catch (e) {
    throw new MonitorError((e as Error).message);
  }
  // nochain is an option of the exec loop: apply it, and drop existing links by flushing.
  const nochain = exec.log.enabled('nochain');
  if (nochain !== exec.opts.nochain) {
    exec.opts.nochain = nochain;
    exec.flush();
  }
}

export function cmdLogfile(ctx: MonitorContext, args: string): void {
  const f = wordArg(args, 'file name');
  expectEnd(f.rest);
  try {
    ctx.machine.exec.log.setFile(f.word);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MonitorError(`could not open '${f.word}': ${code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
  }
}

export function cmdTbFlush(ctx: MonitorContext, args: string): void {
  expectEnd(args);
  const n = ctx.machine.exec.tbCountNow();
  ctx.machine.exec.flush();
  ctx.line(`flushed ${n} TBs`);
}
