// A TCP port (on 127.0.0.1 unless told) that nobody listens on right now (the OS picks it): for the
// emulators the tools and tests start with -gdb / -qmp / -monitor tcp:...
import * as net from 'net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
