/**
 * How the desktop app starts its core (main.ts wires it): the switches given over the desktop's
 * defaults, and a failed start said in words the user can act on.
 *
 * The broker listens on every IPv4 network by default: real ESP32s connect to this computer's LAN
 * address (the token snippet and the firmware examples say so), and they authenticate with hashed
 * tokens behind login throttling and per-address limits. The panel itself is not on the network:
 * it talks to the core over Electron IPC. IPv4 only, as the headless host's `--broker-bind 0.0.0.0`;
 * `--broker-bind ::` takes IPv6 as well, `--broker-bind 127.0.0.1` keeps devices on this computer.
 */
import type { Core, CoreOptions } from '../core';
import type { ShellArgs } from './args';
import type { StartCore } from './core-port';
import { startupProblem } from './startup-problem';

export const DESKTOP_BROKER_BIND = '0.0.0.0';

export interface DesktopCoreOptions {
  args: ShellArgs;
  /** electron/core.ts's startCore, loaded when asked: the window can be set up while SQLite and the broker load. */
  loadStartCore: () => Promise<(options: CoreOptions) => Promise<Core>>;
  nativeWire?: string | undefined;
  version: string;
  /** Tests only: core options no switch sets (ephemeral UDP and TLS ports). */
  testOptions?: Partial<CoreOptions>;
}

export function desktopStartCore(o: DesktopCoreOptions): StartCore {
  return async (options) => {
    if (o.args.problems.length > 0) throw new Error(o.args.problems.join('\n'));
    const startCore = await o.loadStartCore();
    let core: Core;
    try {
      core = await startCore({
        ...o.testOptions,
        ...options,
        host: o.args.brokerBind ?? DESKTOP_BROKER_BIND,
        ...(o.args.tcpPort !== undefined ? { tcpPort: o.args.tcpPort } : {}),
        ...(o.nativeWire !== undefined ? { broker: { ...o.testOptions?.broker, nativeWire: o.nativeWire } } : {}),
        version: o.version,
      });
    } catch (err) {
      const problem = startupProblem(err);
      throw problem === null ? err : new Error(problem, { cause: err });
    }
    console.log(`[core] ${core.broker.dataPathNote()}`); // native, or the JS path and why
    return core;
  };
}
