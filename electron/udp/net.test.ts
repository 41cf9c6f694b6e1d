import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UDP_RECEIVE_BUFFER, bindUdp, receiveBufferNotice } from './net';

describe('the UDP receive buffer', () => {
  it('says nothing when the kernel granted what was asked, and how much and how to raise it when not', () => {
    expect(receiveBufferNotice(2 * UDP_RECEIVE_BUFFER)).toBeNull();
    expect(receiveBufferNotice(UDP_RECEIVE_BUFFER)).toBeNull();
    expect(receiveBufferNotice(0)).toBeNull(); // unknown: nothing to say
    const short = receiveBufferNotice(425_984)!; // Linux with rmem_max 212992 reports twice that
    expect(short).toContain(process.platform === 'linux' ? 'is 208 KiB, not the 2 MiB asked for' : 'is 416 KiB, not the 2 MiB asked for');
    if (process.platform === 'linux') expect(short).toContain('net.core.rmem_max');
  });

  const rmemMax = '/proc/sys/net/core/rmem_max';
  const linux = process.platform === 'linux' && existsSync(rmemMax);
  if (!linux) console.log('skipped: the real socket check reads Linux net.core.rmem_max');
  it.runIf(linux)('reads the real socket as the kernel set it: a notice exactly when rmem_max is below what was asked', async () => {
    const cap = Number(readFileSync(rmemMax, 'utf8'));
    const socket = await bindUdp(0);
    try {
      const reported = socket.receiveBuffer!();
      expect(reported).toBe(2 * Math.min(cap, UDP_RECEIVE_BUFFER));
      expect(receiveBufferNotice(reported) === null).toBe(cap >= UDP_RECEIVE_BUFFER);
    } finally {
      socket.close();
    }
  });
});

describe('closing a bound UDP socket', () => {
  it('lets the datagrams sent just before close leave, then receives and sends nothing more', async () => {
    const receiver = await bindUdp(0);
    const got: string[] = [];
    receiver.onMessage((d) => got.push(Buffer.from(d).toString()));
    const sender = await bindUdp(0);
    const port = receiver.local().port;
    sender.send(Buffer.from('last words'), port, '127.0.0.1');
    sender.close();
    const deadline = Date.now() + 1_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual(['last words']);
    sender.send(Buffer.from('after close'), port, '127.0.0.1'); // ignored, not thrown
    await new Promise((r) => setTimeout(r, 20));
    receiver.close();
    expect(got).toEqual(['last words']);
  });
});
