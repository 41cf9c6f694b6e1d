import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tokenHash } from './crypto';
import { bindUdp, lossyProxy } from './net';
import { type UdpEnvelope, UdpTransport } from './transport';

/** The C++ device (firmware/src/udp) against the TypeScript broker transport, on real sockets. */
const firmware = fileURLToPath(new URL('../../firmware', import.meta.url));

function compiler(): string | null {
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'g++ not available';
  }
}

const why = compiler();
if (why) console.log(`interop test skipped: ${why}`);

describe.skipIf(why !== null)('C++ UDP device <-> TypeScript UdpTransport', () => {
  it.each([0, 0.1])('opens the session, delivers 200 messages each way exactly once and in order at %f loss', async (loss) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'udp-interop-'));
    try {
      const binary = path.join(dir, 'udp-device');
      const sources = ['test/udp_device_main.cpp', 'src/udp/UdpCrypto.cpp', 'src/udp/UdpAes.cpp', 'src/udp/UdpWire.cpp', 'src/udp/UdpPeer.cpp', 'src/udp/UdpPeerReceive.cpp', 'src/udp/PosixUdpLink.cpp'];
      execFileSync('g++', ['-std=c++11', '-O1', '-Isrc', ...sources, '-o', binary], { cwd: firmware });
      const received: UdpEnvelope[] = [];
      const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: (e) => received.push(e) });
      const token = 'interop-token-0123456789abcdefgh';
      const grant = transport.openSession('cpp-dev', tokenHash(token))!;
      const proxy = await lossyProxy(grant.port, loss, 21);
      const child = spawn(binary, ['127.0.0.1', String(proxy.local().port), String(grant.sessionId), grant.nonce, token, '200']);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exit = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
      for (let i = 0; i < 200 && !transport.isOpen('cpp-dev'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(transport.isOpen('cpp-dev')).toBe(true);
      let sent = 0;
      while (sent < 200) {
        if (transport.deliver('cpp-dev', 'server', new TextEncoder().encode(`{"k":${sent}}`))) sent++;
        else await new Promise((r) => setTimeout(r, 1));
      }
      const code = await exit;
      transport.close();
      proxy.close();
      if (loss > 0) console.log(`C++ device at ${loss * 100}% loss: ${out.trim().split('\n').pop()}`);
      expect(out).toContain('done sent=200 delivered=200 failed=0 received=200');
      expect(code).toBe(0);
      // The device's UDP counters (key=value on its done line). Every packet it declared lost is
      // counted once, lost or spurious, when an ACK decides; one retransmission declares one packet
      // or, after an idle duplicate, two. Undecided ones at exit count as neither.
      const done = out.split('\n').find((l) => l.startsWith('done '))!;
      const stat = Object.fromEntries([...done.matchAll(/(\w+)=(\d+)\b/g)].map(([, k, v]) => [k, Number(v)]));
      for (const k of ['retransmits', 'idle_duplicates', 'lost', 'spurious_retransmits']) expect(stat[k], k).toBeTypeOf('number');
      if (loss > 0) expect(stat.retransmits).toBeGreaterThan(0);
      expect(stat.lost! + stat.spurious_retransmits!).toBeLessThanOrEqual(stat.retransmits! + stat.idle_duplicates!);
      expect(received.map((e) => JSON.parse(new TextDecoder().decode(e.payload)).n)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      const down = out.split('\n').filter((l) => l.startsWith('message ')).map((l) => JSON.parse(l.slice(l.indexOf('{'))).payload.k);
      expect(down).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(received[0]!.from).toBe('cpp-dev');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
