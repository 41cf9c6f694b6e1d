/**
 * Regenerates shared/protocol/udp-vectors.txt:  npx tsx electron/udp/vectors-gen.ts > shared/protocol/udp-vectors.txt
 * The vectors test (vectors.test.ts) re-derives every line, so the file cannot drift from the code.
 */
import { bytesToHex } from '../../shared/protocol/vectors';
import { encodeHeader, HELLO_HEADER_BYTES } from '../../shared/protocol/udp/wire';
import { Channel, writeAck, writeMsg } from '../../shared/protocol/udp/frames';
import { deriveDirectionKey, type DirectionKey, nextDirectionKey, seal, tokenHash } from './crypto';

export const VECTOR_TOKEN = 'device-token-0123456789abcdef';
export const VECTOR_SNONCE = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
export const VECTOR_DNONCE = Buffer.from('101112131415161718191a1b1c1d1e1f', 'hex');
export const VECTOR_SID = 0x0a0b0c0d;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

function datagram(k: DirectionKey, pn: number, phase: 0 | 1, hello: boolean, plain: Uint8Array): Uint8Array {
  const h = new Uint8Array(HELLO_HEADER_BYTES);
  const n = encodeHeader(h, { keyPhase: phase, sessionId: VECTOR_SID, packetNumber: pn, deviceNonce: hello ? VECTOR_DNONCE : null });
  return seal(k, pn, h.subarray(0, n), plain);
}

function msg(channel: number, seq: number, data: Uint8Array, fragment: { index: number; count: number; total: number } | null = null, deflate = false): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  return out.subarray(0, writeMsg(out, 0, { channel: channel as 0, seq, data, fragment, deflate }));
}

function ack(largest: number, delayMs: number, mask: bigint): Uint8Array {
  const out = new Uint8Array(19);
  writeAck(out, 0, { largest, delayMs, mask });
  return out;
}

export function generate(): string {
  const hash = tokenHash(VECTOR_TOKEN);
  const d2s = deriveDirectionKey(hash, VECTOR_SNONCE, VECTOR_DNONCE, VECTOR_SID, 'd2s');
  const s2d = deriveDirectionKey(hash, VECTOR_SNONCE, VECTOR_DNONCE, VECTOR_SID, 's2d');
  const d2s1 = nextDirectionKey(d2s);
  const okm = (k: DirectionKey) => bytesToHex(Buffer.concat([k.key, k.iv]));
  const inputs = `token=${VECTOR_TOKEN} snonce=${hex(VECTOR_SNONCE)} dnonce=${hex(VECTOR_DNONCE)} sid=${VECTOR_SID}`;
  const lines: string[] = [];
  const line = (kind: string, name: string, bytes: Uint8Array | string, expect: string, note = '') =>
    lines.push(`${kind} | ${name} | ${typeof bytes === 'string' ? bytes : bytes.length ? bytesToHex(bytes) : '-'} | ${expect} | ${note}`);

  line('udpkey', 'd2s', okm(d2s), `ok ${inputs} dir=d2s`, 'HKDF-SHA256(ikm=SHA-256(token), salt=snonce||dnonce, info="hypertcp-udp d2s"||sid, 44): key 32 || iv 12');
  line('udpkey', 's2d', okm(s2d), `ok ${inputs} dir=s2d`, 'the broker-to-device key');
  line('udpkey', 'd2s_update1', okm(d2s1), 'ok base=d2s updates=1', 'HKDF-SHA256(ikm=key, salt="", info="hypertcp-udp ku", 44)');

  const ping = Uint8Array.of(2);
  const up = msg(Channel.RELIABLE_ORDERED, 0, utf8('{"targetId":"server","payload":{"t":21.5}}'));
  const down = Buffer.concat([ack(1, 3, 1n), msg(Channel.RELIABLE_ORDERED, 0, utf8('{"from":"server","payload":{"cmd":"toggle"}}'))]);
  const dmsg = datagram(d2s, 1, 0, false, up);
  line('datagram', 'hello_ping', datagram(d2s, 0, 0, true, ping), `ok key=d2s pn=0 phase=0 hello=1 sid=${VECTOR_SID} plain=${hex(ping)}`, 'the first datagram of a session: HELLO with the device nonce, a PING inside');
  line('datagram', 'device_message', dmsg, `ok key=d2s pn=1 phase=0 hello=0 sid=${VECTOR_SID} plain=${hex(up)}`, 'reliable ordered seq 0: an envelope to "server"');
  line('datagram', 'broker_ack_and_delivery', datagram(s2d, 0, 0, false, down), `ok key=s2d pn=0 phase=0 hello=0 sid=${VECTOR_SID} plain=${hex(down)}`, 'ACK of packets 1 and 0, then a delivered envelope');
  line('datagram', 'pn_above_32_bits', datagram(d2s, 2 ** 32 + 5, 0, false, ping), `ok key=d2s pn=${2 ** 32 + 5} phase=0 hello=0 sid=${VECTOR_SID} plain=${hex(ping)}`, 'the high word of the packet number enters the nonce too');
  line('datagram', 'key_update', datagram(d2s1, 4, 1, false, ping), `ok key=d2s_update1 pn=4 phase=1 hello=0 sid=${VECTOR_SID} plain=${hex(ping)}`, 'phase bit 1: sealed under the next key');
  const tampered = Uint8Array.from(dmsg);
  tampered[20]! ^= 0x01;
  line('datagram', 'tampered_ciphertext', tampered, 'error=auth key=d2s', 'one ciphertext bit flipped');
  const badAad = Uint8Array.from(dmsg);
  badAad[12] = 2;
  line('datagram', 'tampered_header', badAad, 'error=auth key=d2s', 'packet number changed: the header is the AAD');
  line('datagram', 'wrong_direction', dmsg, 'error=auth key=s2d', 'a device datagram reflected at the device does not open');
  line('datagram', 'bad_version', Buffer.concat([Uint8Array.of(0x20), dmsg.subarray(1)]), 'error=bad_version', 'version nibble 2');
  line('datagram', 'reserved_bits', Buffer.concat([Uint8Array.of(0x14), dmsg.subarray(1)]), 'error=reserved_bits', '');
  line('datagram', 'too_short', dmsg.subarray(0, 29), 'error=too_short', 'header + tag with no ciphertext');
  line('datagram', 'pn_over_53_bits', Buffer.concat([dmsg.subarray(0, 5), Uint8Array.of(0, 0x20, 0, 0), dmsg.subarray(9)]), 'error=packet_number_range', 'packet numbers stay below 2^53');

  line('frames', 'ack', ack(300, 5, 0x8000000000000001n), 'ok types=1 largest=300 delay=5 mask=8000000000000001', 'packets 300, 299 and 236 received');
  line('frames', 'unreliable_msg', msg(Channel.UNRELIABLE, 7, utf8('{}')), 'ok types=4 channel=0 seq=7 len=2', '');
  line('frames', 'fragment', msg(Channel.RELIABLE_UNORDERED, 9, utf8('abcde'), { index: 1, count: 3, total: 2300 }), 'ok types=4 channel=2 seq=9 index=1 count=3 total=2300 len=5', '');
  line('frames', 'batch', Buffer.concat([ping, msg(Channel.UNRELIABLE, 1, utf8('{}')), msg(Channel.RELIABLE_ORDERED, 2, utf8('{}'), null, true), Uint8Array.of(3, 0)]), 'ok types=2,4,4,3', 'PING, two messages (the second flagged deflate), CLOSE');
  line('frames', 'ping_window', Uint8Array.of(2, 5, 0, 8), 'ok types=2,5', 'a PING with the WINDOW its sender holds ahead: 8 (the firmware default)');
  line('frames', 'window', Uint8Array.of(5, 4, 0), 'ok types=5 window=1024', '');
  line('frames', 'window_zero', Uint8Array.of(5, 0, 0), 'error=window_zero', 'a window of 0 would stall the channel');
  line('frames', 'unknown_type', Uint8Array.of(9), 'error=unknown_frame', '');
  line('frames', 'msg_truncated', msg(Channel.UNRELIABLE, 1, utf8('{"a":1}')).subarray(0, 10), 'error=msg_truncated', 'declared 7 data bytes, 2 present');
  line('frames', 'channel_3', Uint8Array.of(4, 3, 0, 0, 0, 0, 0, 0), 'error=msg_flags', '');
  line('frames', 'fragment_index', msg(Channel.RELIABLE_ORDERED, 1, utf8('x'), { index: 3, count: 3, total: 10 }), 'error=fragment_index', 'index must be below count');
  line('frames', 'empty', '-', 'error=empty', 'a datagram carries at least one frame');
  return lines.join('\n');
}

const header = `# HyperTCP UDP golden vectors (docs/PROTOCOL.md section 9), read by the TypeScript tests
# (electron/udp/vectors.test.ts) and the C++ tests (firmware/test/udp*). Same line format as
# vectors.txt: kind | name | hex bytes ('-' for none) | expectation | note
# kind udpkey:   44 bytes = AES-256 key || 12-byte IV for one direction.
#   ok token=T snonce=HEX dnonce=HEX sid=N dir=d2s|s2d   derived from the login's inputs
#   ok base=NAME updates=K                                NAME's key after K key updates
# kind datagram: a whole datagram.
#   ok key=NAME pn=N phase=P hello=0|1 sid=N plain=HEX    opens under key NAME to the plaintext frames HEX
#   error=auth key=NAME                                   does not authenticate under key NAME
#   error=CODE                                            rejected by the header check (no key needed)
# kind frames:   the plaintext inside a datagram.
#   ok types=A,B,...  (+ fields of the first frame)        error=CODE
`;

if (process.argv[1]?.endsWith('vectors-gen.ts')) process.stdout.write(header + generate() + '\n');
