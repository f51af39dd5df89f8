// Runs the real command line (bin/tcg86.js) and collects its output and exit status.
import { spawn } from 'child_process';
import * as path from 'path';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const BIN = path.join(ROOT, 'bin', 'tcg86.js');

export interface RunResult { status: number | null; stdout: string; stderr: string; timedOut: boolean }

export function runProcess(cmd: string, args: string[], timeoutMs: number, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, timeoutMs);
    p.on('close', (status) => { clearTimeout(t); resolve({ status, stdout, stderr, timedOut }); });
    if (input !== undefined) p.stdin.end(input); else p.stdin.end();
  });
}

export function runTcg86(args: string[], timeoutMs = 60000, input?: string): Promise<RunResult> {
  return runProcess(process.execPath, [BIN, ...args], timeoutMs, input);
}
