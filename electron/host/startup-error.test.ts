import { createServer, type Server } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startupProblem } from './startup-error';

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** The error Node gives a listen on a port already taken. */
async function listenError(port: number): Promise<unknown> {
  const second = createServer();
  servers.push(second);
  return new Promise((resolve) => {
    second.once('error', resolve);
    second.listen(port, '127.0.0.1');
  });
}

describe("the host's start-up failures, in one line", () => {
  it('a port in use names the address and the flag that moves it', async () => {
    const first = createServer();
    servers.push(first);
    await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
    const port = (first.address() as { port: number }).port;
    const err = await listenError(port);
    expect(startupProblem(err, { httpPort: port, tcpPort: undefined })).toBe(`127.0.0.1:${port} is already in use (another HyperTCP host, or another program): choose another port with --http-port`);
    expect(startupProblem(err, { httpPort: 8090, tcpPort: port })).toMatch(/with --tcp-port$/);
    expect(startupProblem(err, { httpPort: 8090, tcpPort: undefined })).toMatch(/with --tcp-port \(or the TLS port in Settings\)$/);
  });

  it('a file that is not there names it and the flags that give files', async () => {
    const err = await readFile('/nonexistent/hypertcp/key.pem').catch((e: unknown) => e);
    expect(startupProblem(err, { httpPort: 8090, tcpPort: undefined })).toBe('cannot open /nonexistent/hypertcp/key.pem: no such file or folder (check --tls-cert, --tls-key, --db, --static and --sim)');
  });

  it('anything else is left to the stack trace (a bug of ours, not a setting)', () => {
    expect(startupProblem(new TypeError('x is undefined'), { httpPort: 8090, tcpPort: 8080 })).toBeNull();
    expect(startupProblem('text', { httpPort: 8090, tcpPort: 8080 })).toBeNull();
  });
});
