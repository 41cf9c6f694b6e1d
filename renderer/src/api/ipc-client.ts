import type { ApiClient, EventBatch, MethodName, Params, Results } from '../../../shared/api/contract';
import { ApiCallError } from './errors';

/** What the Electron preload exposes as window.hypertcp (electron/shell/preload.ts). */
export type HyperTcpBridge = {
  [M in MethodName]?: (params: Params<M>) => Promise<Results[M]>;
} & {
  onEvents(cb: (batch: EventBatch) => void): () => void;
  ackEvents(seq: number): void;
  onStatus?(cb: (status: 'connecting' | 'open' | 'closed', detail?: string) => void): () => void;
};

declare global {
  interface Window {
    hypertcp?: HyperTcpBridge;
  }
}

const KNOWN_CODES = new Set(['invalid_params', 'unknown_method', 'not_found', 'conflict', 'unavailable', 'internal']);

/** Electron's invoke wraps errors as "Error invoking remote method 'x': Error: code: message"; recover the code. */
function toApiError(err: unknown): ApiCallError {
  const raw = err instanceof Error ? err.message : String(err);
  const text = raw.replace(/^Error invoking remote method '[^']*': (?:Error: )?/, '');
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && KNOWN_CODES.has(code)) return new ApiCallError(code as ApiCallError['code'], text);
  const prefixed = /^([a-z_]+): (.*)$/s.exec(text);
  if (prefixed && KNOWN_CODES.has(prefixed[1]!)) return new ApiCallError(prefixed[1] as ApiCallError['code'], prefixed[2]!);
  return new ApiCallError('internal', text);
}

/** The desktop binding: verbs of the sandboxed preload, no Node or Electron in the renderer. */
export function createIpcClient(bridge: HyperTcpBridge): ApiClient {
  return {
    async call<M extends MethodName>(method: M, params: Params<M>): Promise<Results[M]> {
      const fn = bridge[method] as ((p: Params<M>) => Promise<Results[M]>) | undefined;
      if (typeof fn !== 'function') throw new ApiCallError('unknown_method', `the desktop bridge has no ${method}`);
      try {
        return await fn(params);
      } catch (err) {
        throw toApiError(err);
      }
    },
    onEvents: (listener) => bridge.onEvents(listener),
    ackEvents: (seq) => bridge.ackEvents(seq),
    onStatus(listener) {
      if (bridge.onStatus) return bridge.onStatus(listener);
      listener('open'); // in-process host: the bridge is there as long as the window is
      return () => {};
    },
  };
}
