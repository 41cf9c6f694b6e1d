/**
 * Child process used to measure the load generator's own ceiling: a peer that completes the
 * handshake (HyperTCP login / MQTT CONNECT+SUBSCRIBE) and then either discards everything (send
 * ceiling) or writes delivered messages as fast as the socket takes them (receive ceiling).
 * argv: <discard|blast> <hypertcp|mqtt>
 */
import net from 'node:net';
import { encodeFrame } from '../../shared/protocol';
import { PAYLOAD_TEMPLATE, nowMicros, stampPayload } from '../lib/payload';
import { Command } from '../load/hypertcp-wire';
import { publishTemplate } from '../load/mqtt-wire';
import { serveTokenless } from './child-ipc';

const [mode, protocol] = process.argv.slice(2) as ['discard' | 'blast', 'hypertcp' | 'mqtt'];

function blastBuffer(): Buffer {
  const one =
    protocol === 'hypertcp'
      ? { bytes: Buffer.from(encodeFrame(Command.JSON_MESSAGE, 1, `{"from":"pub-000","payload":${PAYLOAD_TEMPLATE}}`)), payloadAt: 5 + '{"from":"pub-000","payload":'.length }
      : publishTemplate('bench/sink');
  const count = Math.floor(65536 / one.bytes.length);
  const out = Buffer.allocUnsafe(count * one.bytes.length);
  for (let i = 0; i < count; i++) {
    one.bytes.copy(out, i * one.bytes.length);
    stampPayload(out, i * one.bytes.length + one.payloadAt, 0, i, nowMicros());
  }
  return out;
}

const server = net.createServer((socket) => {
  let greeted = false;
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (greeted) return;
    greeted = true;
    if (protocol === 'hypertcp') socket.write(Buffer.from([0, chunk[1]!, chunk[2]!, 0, 1, 200]));
    else {
      socket.write(Buffer.from([0x20, 2, 0, 0]));
      // SUBACK for packet id 1 if the client subscribes next (ignored by publishers).
      if (mode === 'blast') socket.write(Buffer.from([0x90, 3, 0, 1, 0]));
    }
    if (mode !== 'blast') return;
    const block = blastBuffer();
    const pump = (): void => {
      while (!socket.destroyed && socket.write(block));
    };
    socket.on('drain', pump);
    setTimeout(pump, 20);
  });
});

serveTokenless(server);
