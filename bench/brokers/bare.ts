/**
 * Child process: the reference "bare Node forwarder" of ANCHORS.md, for context in the results.
 * It speaks just enough HyperTCP for the bench (any LOGIN accepted, token = device id), rewrites
 * the envelope without parsing the payload and coalesces writes per socket per tick. No auth, no
 * limits, no counters, no events: the ceiling a Node broker could reach on this machine.
 */
import net from 'node:net';
import { StreamReader } from '../load/stream-reader';
import { measureFrame } from '../load/hypertcp-wire';
import { serveTokenless } from './child-ipc';

interface Peer {
  id: string;
  socket: net.Socket;
  out: Buffer[];
}

const peers = new Map<string, Peer>();
const dirty = new Set<Peer>();
let scheduled = false;
const flush = (): void => {
  scheduled = false;
  for (const p of dirty) p.socket.write(p.out.length === 1 ? p.out[0]! : Buffer.concat(p.out));
  for (const p of dirty) p.out = [];
  dirty.clear();
};
const queue = (p: Peer, b: Buffer): void => {
  p.out.push(b);
  dirty.add(p);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
};
const TARGET = Buffer.from('{"targetId":"');
const PAYLOAD = Buffer.from('","payload":');

function deliver(from: Peer, type: number, buf: Buffer, start: number, end: number): void {
  const body = buf.subarray(start + 5, end);
  const idEnd = body.indexOf(PAYLOAD);
  if (!body.subarray(0, TARGET.length).equals(TARGET) || idEnd < 0) return;
  const target = body.toString('latin1', TARGET.length, idEnd);
  const payload = body.subarray(idEnd + PAYLOAD.length, body.length - 1);
  const head = `{"from":"${from.id}","payload":`;
  const frame = Buffer.allocUnsafe(5 + head.length + payload.length + 1);
  const length = frame.length - 5;
  frame[0] = type;
  frame[1] = 0;
  frame[2] = 1;
  frame[3] = length >> 8;
  frame[4] = length & 0xff;
  frame.write(head, 5, 'latin1');
  payload.copy(frame, 5 + head.length);
  frame[frame.length - 1] = 0x7d;
  if (type === 50) {
    for (const p of peers.values()) if (p !== from) queue(p, frame);
  } else {
    const p = peers.get(target);
    if (p) queue(p, frame);
  }
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let peer: Peer | null = null;
  const reader = new StreamReader(measureFrame, (buf, start, end) => {
    const type = buf[start]!;
    if (!peer) {
      const login = JSON.parse(buf.toString('utf8', start + 5, end)) as { token: string };
      peer = { id: login.token, socket, out: [] };
      peers.set(peer.id, peer);
      socket.write(Buffer.from([0, buf[start + 1]!, buf[start + 2]!, 0, 1, 200]));
      return;
    }
    if (type === 30 || type === 50) {
      queue(peer, Buffer.from([0, buf[start + 1]!, buf[start + 2]!, 0, 1, 200]));
      deliver(peer, type, buf, start, end);
    }
  });
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    if (peer && peers.get(peer.id) === peer) peers.delete(peer.id);
    if (peer) dirty.delete(peer);
  });
});

serveTokenless(server);
