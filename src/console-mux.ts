// `-serial mon:stdio` (and -nographic): the terminal is shared by the serial port and the
// monitor, switched with QEMU's Ctrl-A keys (Ctrl-A c, Ctrl-A x, Ctrl-A h, Ctrl-A Ctrl-A).
import { PassThrough } from 'stream';

export const MUX_HELP = [
  'C-a h    print this help',
  'C-a x    exit emulator',
  'C-a c    switch between console and monitor',
  'C-a C-a  sends C-a',
].join('\r\n') + '\r\n';

export class ConsoleMux {
  /** Bytes for the monitor when it has the focus (its line editor reads this stream). */
  readonly monitorInput = new PassThrough();
  focus: 'serial' | 'monitor' = 'serial';
  private escape = false;

  constructor(
    private readonly toSerial: (b: number) => void,
    private readonly write: (text: string) => void,
    private readonly quit: () => void,
    private readonly onFocus: (f: 'serial' | 'monitor') => void = () => undefined,
  ) {}

  input(data: Buffer): void {
    for (const b of data) {
      if (this.escape) {
        this.escape = false;
        switch (b) {
          case 0x63: // c
            this.focus = this.focus === 'serial' ? 'monitor' : 'serial';
            this.onFocus(this.focus);
            continue;
          case 0x78: // x
            this.write('QEMU: Terminated\r\n'.replace('QEMU', 'tcg86'));
            this.quit();
            return;
          case 0x68: // h
            this.write(MUX_HELP);
            continue;
          case 0x01: this.deliver(0x01); continue;
          default: continue;
        }
      }
      if (b === 0x01) { this.escape = true; continue; }
      this.deliver(b);
    }
  }

  private deliver(b: number): void {
    if (this.focus === 'serial') this.toSerial(b);
    else this.monitorInput.write(Buffer.of(b));
  }
}
