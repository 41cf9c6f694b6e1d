import { encodeHeader, HELLO_HEADER_BYTES } from '../../shared/protocol/udp/wire';
import { deriveDirectionKey, randomNonce, seal } from './crypto';

/**
 * A hand-driven device for attack tests: it holds real session keys and seals whatever plaintext
 * the test wants (an authenticated but hostile peer), with full control of packet numbers.
 */
export class ForgedDevice {
  readonly deviceNonce = randomNonce();
  private readonly d2s;
  pn = 0;

  constructor(
    readonly sessionId: number,
    serverNonceHex: string,
    hash: Uint8Array,
  ) {
    this.d2s = deriveDirectionKey(hash, Buffer.from(serverNonceHex, 'hex'), this.deviceNonce, sessionId, 'd2s');
  }

  datagram(plain: Uint8Array, options: { hello?: boolean; pn?: number } = {}): Uint8Array {
    const pn = options.pn ?? this.pn++;
    const h = new Uint8Array(HELLO_HEADER_BYTES);
    const n = encodeHeader(h, { keyPhase: 0, sessionId: this.sessionId, packetNumber: pn, deviceNonce: options.hello === false ? null : this.deviceNonce });
    return seal(this.d2s, pn, h.subarray(0, n), plain);
  }
}
