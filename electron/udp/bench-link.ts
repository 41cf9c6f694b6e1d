/**
 * One benchmark run on the loopback link of the current network namespace (bench-shapes.ts runs it
 * inside `unshare -rn` with an nftables rule that drops a share of TCP and UDP packets): reliable
 * ordered UDP against a plain framed TCP stream on the very same link, same payloads.
 *   goodput: N messages as fast as backpressure allows; latency: a fixed rate, p50/p99 one-way.
 * As a script: `tsx electron/udp/bench-link.ts [messages] [rate] [payloadBytes]` prints one JSON line.
 */
import { createServer, connect, type Socket } from 'node:net';
import { Command } from '../../shared/protocol/constants';
import { FrameDecoder } from '../../shared/protocol/decoder';
import { encodeDeviceEnvelope } from '../../shared/protocol/envelope';
import { encodeFrame } from '../../shared/protocol/frame';
import { UdpClient } from './client';
import { tokenHash } from './crypto';
import { bindUdp } from './net';
import { UdpTransport } from './transport';

export interface LinkResult {
  transport: 'udp-reliable' | 'tcp';
  messages: number;
  delivered: number;
  goodputMsgsPerS: number;
  goodputKBPerS: number;
  p50Ms: number;
  p99Ms: number;
  timedOut: boolean;
}

interface Endpoint {
  /** Resolves when the message is queued (awaits backpressure). */
  send(bytes: Uint8Array): Promise<void> | void;
  close(): void;
}

const decoder = new TextDecoder();

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function message(payloadBytes: number, seq: number): Uint8Array {
  const head = `{"s":${seq},"t":${performance.now().toFixed(3)},"p":"`;
  return encodeDeviceEnvelope('server', head + 'x'.repeat(Math.max(0, payloadBytes - head.length - 2)) + '"}');
}

async function udpEndpoint(onPayload: (p: Uint8Array) => void): Promise<Endpoint> {
  const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: (e) => onPayload(e.payload) });
  const hash = tokenHash('bench-token-xxxxxxxxxxxxxxxxxxxx');
  const grant = transport.openSession('bench-dev', hash)!;
  const client = new UdpClient({ socket: await bindUdp(0), host: '127.0.0.1', port: grant.port, sessionId: grant.sessionId, serverNonce: grant.nonce, tokenHash: hash, config: { maxRetries: 30 } });
  const stream = client.stream({ highWaterMark: 64 * 1024 });
  return {
    send: (bytes) => (stream.write(bytes) ? undefined : new Promise<void>((r) => stream.once('drain', () => r()))),
    close: () => {
      client.close();
      transport.close();
    },
  };
}

async function tcpEndpoint(onPayload: (p: Uint8Array) => void): Promise<Endpoint> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const frames = new FrameDecoder();
    socket.on('data', (chunk) => {
      frames.feed(chunk);
      for (let r = frames.next(); r.kind === 'frame'; r = frames.next()) onPayload(r.frame.payload);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const socket: Socket = await new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });
  socket.setNoDelay(true);
  let id = 0;
  return {
    send: (bytes) => {
      id = (id % 0xffff) + 1;
      if (socket.write(encodeFrame(Command.JSON_MESSAGE, id, bytes))) return;
      return new Promise<void>((r) => socket.once('drain', () => r()));
    },
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}

/** Runs goodput then fixed-rate latency for one transport. */
export async function measureLink(kind: LinkResult['transport'], options: { messages: number; rate: number; payloadBytes: number; timeoutMs: number }): Promise<LinkResult> {
  let received = 0;
  const latencies: number[] = [];
  let measuring = false;
  const onPayload = (p: Uint8Array) => {
    received++;
    if (!measuring) return;
    const text = decoder.decode(p.subarray(0, 96));
    const t = Number(/"t":([0-9.]+)/.exec(text)?.[1]);
    if (Number.isFinite(t)) latencies.push(performance.now() - t);
  };
  const endpoint = kind === 'tcp' ? await tcpEndpoint(onPayload) : await udpEndpoint(onPayload);
  const wait = async (target: number, deadline: number) => {
    while (received < target && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    return received >= target;
  };
  // Goodput: N messages back to back, respecting backpressure.
  const start = performance.now();
  const deadline = start + options.timeoutMs;
  for (let i = 0; i < options.messages && performance.now() < deadline; i++) await endpoint.send(message(options.payloadBytes, i));
  let complete = await wait(options.messages, deadline);
  const elapsed = (performance.now() - start) / 1000;
  const goodput = received / elapsed;
  // Latency: a fixed rate for about two seconds.
  measuring = true;
  const base = received;
  const count = Math.round(options.rate * 2);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / options.rate;
    const ahead = due - performance.now();
    if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
    await endpoint.send(message(options.payloadBytes, i));
  }
  complete = (await wait(base + count, performance.now() + options.timeoutMs)) && complete;
  endpoint.close();
  latencies.sort((a, b) => a - b);
  return {
    transport: kind,
    messages: options.messages,
    delivered: received,
    goodputMsgsPerS: Math.round(goodput),
    goodputKBPerS: Math.round((goodput * options.payloadBytes) / 1024),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(2)),
    timedOut: !complete,
  };
}

if (process.argv[1]?.endsWith('bench-link.ts')) {
  const [messages = '5000', rate = '1000', payloadBytes = '256'] = process.argv.slice(2);
  const options = { messages: Number(messages), rate: Number(rate), payloadBytes: Number(payloadBytes), timeoutMs: 30_000 };
  const udp = await measureLink('udp-reliable', options);
  const tcp = await measureLink('tcp', options);
  process.stdout.write(JSON.stringify([udp, tcp]) + '\n');
  process.exit(0);
}
