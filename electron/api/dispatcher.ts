import type { ZodError } from 'zod';
import { methods, type ApiError, type ApiErrorCode, type MethodName, type ParsedParams, type Results } from '../../shared/api/contract';

/** Thrown by handlers for an expected failure; becomes { ok: false, error } with this code. */
export class ApiFailure extends Error {
  constructor(readonly code: ApiErrorCode, message: string) {
    super(message);
  }
}

export type Handlers = { [M in MethodName]: (params: ParsedParams<M>) => Results[M] | Promise<Results[M]> };
export type DispatchResult = { ok: true; result: unknown } | { ok: false; error: ApiError };

const MAX_ISSUES = 5;

export function formatZodError(method: string, err: ZodError): string {
  const parts = err.issues.slice(0, MAX_ISSUES).map((i) => `${i.path.length ? i.path.join('.') : 'params'}: ${i.message}`);
  const more = err.issues.length > MAX_ISSUES ? ` (and ${err.issues.length - MAX_ISSUES} more)` : '';
  return `${method}: ${parts.join('; ')}${more}`;
}

const isMethod = (m: unknown): m is MethodName => typeof m === 'string' && Object.prototype.hasOwnProperty.call(methods, m);

/**
 * Validates params with the contract's schema, runs the handler and turns every outcome into a
 * result or a typed error. Never throws; internal errors are reported without stack traces.
 */
export function createDispatcher(handlers: Handlers, onInternalError: (method: string, err: unknown) => void = () => {}) {
  return async function dispatch(method: string, params: unknown): Promise<DispatchResult> {
    if (!isMethod(method)) return { ok: false, error: { code: 'unknown_method', message: `unknown method "${String(method).slice(0, 64)}"` } };
    let parsed: ReturnType<(typeof methods)[typeof method]['safeParse']>;
    try {
      parsed = methods[method].safeParse(params ?? {});
    } catch (err) {
      // A refinement can throw (JsonObject's size check stringifies: too deep, cyclic): bad params, not a rejection.
      return { ok: false, error: { code: 'invalid_params', message: `${method}: params could not be checked (${err instanceof Error ? err.message : 'unreadable'})` } };
    }
    if (!parsed.success) return { ok: false, error: { code: 'invalid_params', message: formatZodError(method, parsed.error) } };
    try {
      const handler = handlers[method] as (p: unknown) => unknown;
      return { ok: true, result: await handler(parsed.data) };
    } catch (err) {
      if (err instanceof ApiFailure) return { ok: false, error: { code: err.code, message: err.message } };
      onInternalError(method, err);
      return { ok: false, error: { code: 'internal', message: `${method} failed: ${(err as Error)?.message ?? 'internal error'}` } };
    }
  };
}
