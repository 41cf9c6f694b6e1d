import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenInfo } from '../../shared/api/contract';
import { isValidDeviceId } from '../../shared/protocol/envelope';

export type { TokenInfo };

/**
 * Where device tokens live. The broker ships the in-memory store below; the hub supplies a
 * SQLite-backed one with the same contract. Plaintext tokens are returned once and never stored.
 */
export interface TokenStore {
  /** The device id the token belongs to, or null. Constant time on hashes. */
  verify(token: string): string | null;
  /** Issues a token for a new device id; returns the plaintext once. Throws if the id is active. */
  create(id: string): string;
  /** Replaces the device's token; the old one stops working. */
  rotate(id: string): string;
  /** Makes the device's token invalid; false if there was no active token. */
  revoke(id: string): boolean;
  list(): TokenInfo[];
  /** Optional fast check "is this a known, active device id" (routing: offline vs unknown). */
  has?(id: string): boolean;
}

/**
 * The shortest token a store takes (docs/PROTOCOL.md 3.3: at least 128 random bits): 22 URL-safe
 * base64 characters carry 132. Tokens are stored as unsalted SHA-256, so a short one could be
 * found offline from a leaked hash. Randomness cannot be checked; length is the floor.
 */
export const MIN_TOKEN_LENGTH = 22;
export const MAX_TOKEN_LENGTH = 128;

/** Throws unless `token` may be registered: long enough, printable, no spaces, not JSON-like. */
export function checkChosenToken(token: string): void {
  if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
    throw new Error(`token too short: at least ${MIN_TOKEN_LENGTH} characters (128 random bits, docs/PROTOCOL.md 3.3); generate one with generateToken()`);
  }
  if (token.length > MAX_TOKEN_LENGTH || token.startsWith('{') || !/^[\x21-\x7e]+$/.test(token)) {
    throw new Error(`token must be ${MIN_TOKEN_LENGTH}-${MAX_TOKEN_LENGTH} printable characters without spaces and not start with "{"`);
  }
}

/** 24 random bytes = 192 bits, 32 URL-safe characters (no JSON escaping, no whitespace). */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

interface Entry {
  info: TokenInfo;
  hash: Buffer | null;
}

export class MemoryTokenStore implements TokenStore {
  private readonly byId = new Map<string, Entry>();
  /** Hex of the hash -> device id. Lookup by hash leaks nothing about the token itself. */
  private readonly byHash = new Map<string, string>();

  constructor(private readonly clock: () => number = Date.now) {}

  verify(token: string): string | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) return null;
    const hash = hashToken(token);
    const id = this.byHash.get(hash.toString('hex'));
    if (id === undefined) return null;
    const entry = this.byId.get(id);
    // Defence in depth: confirm the full digest in constant time.
    if (!entry?.hash || !timingSafeEqual(entry.hash, hash)) return null;
    entry.info.lastUsedAt = this.clock();
    return id;
  }

  create(id: string): string {
    const token = generateToken();
    this.add(id, token);
    return token;
  }

  /**
   * Registers a token chosen elsewhere (a config file, a test, the simulator). The hub's store
   * and the demo use it; it still stores only the hash.
   */
  add(id: string, token: string): void {
    if (!isValidDeviceId(id)) throw new Error(`invalid device id ${JSON.stringify(id)}`);
    if (this.byId.get(id)?.hash) throw new Error(`device ${id} already has an active token`);
    checkChosenToken(token);
    const hash = hashToken(token);
    const hex = hash.toString('hex');
    if (this.byHash.has(hex)) throw new Error('token already in use');
    this.byHash.set(hex, id);
    this.byId.set(id, { info: { id, createdAt: this.clock(), revokedAt: null, lastUsedAt: null }, hash });
  }

  rotate(id: string): string {
    const entry = this.byId.get(id);
    if (!entry) throw new Error(`unknown device ${id}`);
    this.dropHash(entry);
    const token = generateToken();
    const hash = hashToken(token);
    this.byHash.set(hash.toString('hex'), id);
    entry.hash = hash;
    entry.info.revokedAt = null;
    return token;
  }

  revoke(id: string): boolean {
    const entry = this.byId.get(id);
    if (!entry?.hash) return false;
    this.dropHash(entry);
    entry.info.revokedAt = this.clock();
    return true;
  }

  list(): TokenInfo[] {
    return [...this.byId.values()].map((e) => ({ ...e.info }));
  }

  has(id: string): boolean {
    return this.byId.get(id)?.hash != null;
  }

  private dropHash(entry: Entry): void {
    if (entry.hash) this.byHash.delete(entry.hash.toString('hex'));
    entry.hash = null;
  }
}
