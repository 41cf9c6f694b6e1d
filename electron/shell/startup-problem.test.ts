import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startupProblem } from './startup-problem';

/** What Node's listen rejects with for host:port. */
function listenError(port: number, host: string): Promise<Error> {
  const server: Server = createServer();
  return new Promise((resolve) => {
    server.once('error', resolve);
    server.listen(port, host, () => server.close(() => resolve(new Error('listened'))));
  });
}

describe("the desktop app's words for a broker that cannot listen", () => {
  it("Node's EADDRINUSE (the JS data path): names the port and --tcp-port", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const problem = startupProblem(await listenError(port, '127.0.0.1'));
      expect(problem).toBe(`The device broker's port ${port} is already in use (another HyperTCP Panel, or another program). Start the app with --tcp-port=<another port>, e.g. --tcp-port=${port + 1}, then save that port in Settings so later starts use it.`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it("the native data path's errors, which say it only in their message", () => {
    expect(startupProblem(new Error('listen EADDRINUSE: Address already in use 0.0.0.0:8080'))).toMatch(/^The device broker's port 8080 is already in use .* --tcp-port=8081,/);
    expect(startupProblem(new Error('listen EACCES: Permission denied :::80'))).toMatch(/^The device broker's port 80 needs privileges this user lacks \(ports below 1024 do\)\. Start the app with --tcp-port=/);
    expect(startupProblem(new Error('listen EADDRNOTAVAIL: Cannot assign requested address 10.9.9.9:8080'))).toBe(
      '10.9.9.9 is not an address of this computer. Start the app with another --broker-bind, or without it (devices then connect over every network).',
    );
  });

  it("Node's EADDRNOTAVAIL: an address not this machine's names --broker-bind", async () => {
    // 203.0.113.0/24 is TEST-NET-3, for documentation: no interface of this machine has it
    expect(startupProblem(await listenError(0, '203.0.113.7'))).toMatch(/^203\.0\.113\.7 is not an address of this computer\. Start the app with another --broker-bind/);
  });

  it('anything else keeps its own message', () => {
    expect(startupProblem(new Error('database disk image is malformed'))).toBeNull();
    expect(startupProblem('a string')).toBeNull();
  });
});
