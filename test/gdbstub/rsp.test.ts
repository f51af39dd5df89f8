// Framing: decoding of gdb's byte stream and encoding of replies.
import { expect } from 'chai';
import { escapeBinary, escapedPrefixLength, framePacket, fromHex, RspDecoder, RspEvent } from '../../src/gdbstub/rsp';
import { checksum, frame } from '../support/gdbstub-harness';

function decode(...chunks: (string | Buffer)[]): RspEvent[] {
  const d = new RspDecoder();
  return chunks.flatMap(c => d.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
}
function packets(evs: RspEvent[]): string[] {
  return evs.filter(e => e.kind === 'packet').map(e => (e as { data: Buffer }).data.toString('latin1'));
}

describe('gdbstub framing (rsp.ts)', () => {
  it('decodes packets, acks, nacks and the interrupt byte in order', () => {
    const evs = decode('+', frame('g'), '-', '\x03', frame('m100000,4'));
    expect(evs.map(e => e.kind)).to.deep.equal(['ack', 'packet', 'nack', 'interrupt', 'packet']);
    expect(packets(evs)).to.deep.equal(['g', 'm100000,4']);
  });

  it('reassembles a packet split across chunks, byte by byte', () => {
    const f = frame('qSupported:multiprocess+;swbreak+');
    const d = new RspDecoder();
    const evs = [...f].flatMap(ch => d.push(Buffer.from(ch, 'latin1')));
    expect(packets(evs)).to.deep.equal(['qSupported:multiprocess+;swbreak+']);
  });

  it('reports a wrong checksum instead of a packet', () => {
    const evs = decode('$g#00');
    expect(evs.map(e => e.kind)).to.deep.equal(['bad-checksum']);
  });

  it('accepts a wrong checksum in no-ack mode', () => {
    const d = new RspDecoder();
    d.verifyChecksums = false;
    expect(packets(d.push(Buffer.from('$g#00')))).to.deep.equal(['g']);
  });

  it('expands run-length encoding (checksum over the encoded bytes)', () => {
    // '0* ' = '0' + 3 more; '0*!' = '0' + 4 more.
    expect(packets(decode(`$m10* ,4#${checksum('m10* ,4')}`))).to.deep.equal(['m10000,4']);
    expect(packets(decode(`$X0*!#${checksum('X0*!')}`))).to.deep.equal(['X00000']);
  });

  it('undoes } escapes (binary data of X packets)', () => {
    const raw = Buffer.concat([Buffer.from('$X0,4:'), Buffer.from([0x7d, 0x03, 0x7d, 0x04, 0x7d, 0x5d, 0x7d, 0x0a]), Buffer.from('#')]);
    const body = raw.subarray(1, raw.length - 1);
    const evs = decode(Buffer.concat([raw, Buffer.from(checksum(body))]));
    const p = (evs[0] as { data: Buffer }).data;
    expect([...p.subarray(5)]).to.deep.equal([0x23, 0x24, 0x7d, 0x2a]);
  });

  it('flags a run length with nothing to repeat as malformed', () => {
    const evs = decode(`$*"#${checksum('*"')}`);
    expect(evs).to.have.length(1);
    expect((evs[0] as { malformed: boolean }).malformed).to.equal(true);
  });

  it('restarts on a $ inside a packet (the first one was cut short)', () => {
    expect(packets(decode('$m10', frame('g')))).to.deep.equal(['g']);
  });

  it('ignores noise between packets', () => {
    expect(packets(decode('xyz\n', frame('?')))).to.deep.equal(['?']);
  });

  it('frames replies with a two-digit lowercase checksum', () => {
    expect(framePacket(Buffer.from('OK')).toString()).to.equal('$OK#9a');
    expect(framePacket(Buffer.from('')).toString()).to.equal('$#00');
  });

  it('escapes # $ } * in binary replies', () => {
    expect([...escapeBinary(Buffer.from([0x23, 0x41, 0x24, 0x7d, 0x2a]))]).to.deep.equal([0x7d, 0x03, 0x41, 0x7d, 0x04, 0x7d, 0x5d, 0x7d, 0x0a]);
    // Budget counts escaped bytes: '#' costs 2.
    expect(escapedPrefixLength(Buffer.from('a#b'), 0, 2)).to.equal(1);
    expect(escapedPrefixLength(Buffer.from('a#b'), 0, 3)).to.equal(2);
  });

  it('decodes hex strictly', () => {
    expect(fromHex('0aFf')).to.deep.equal(Buffer.from([0x0a, 0xff]));
    expect(fromHex('abc')).to.equal(null);
    expect(fromHex('zz')).to.equal(null);
  });
});
