// Helpers shared by the PC board devices.
import { AccessSize } from './bus';

/**
 * ISA devices are 8 bits wide: a 16- or 32-bit access is split by the bus into
 * byte cycles on consecutive ports, least significant byte first.
 */
export function readSplit(read8: (port: number) => number, port: number, size: AccessSize): number {
  let v = 0;
  for (let i = 0; i < size; i++) v |= (read8(port + i) & 0xff) << (8 * i);
  return v >>> 0;
}

export function writeSplit(write8: (port: number, value: number) => void, port: number, size: AccessSize, value: number): void {
  for (let i = 0; i < size; i++) write8(port + i, (value >>> (8 * i)) & 0xff);
}

export function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
}

export function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0x0f);
}

export function hex2(v: number): string {
  return (v & 0xff).toString(16).padStart(2, '0');
}
