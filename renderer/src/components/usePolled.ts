import { useEffect, useRef, useState } from 'react';
import type { MethodName, Params, Results } from '../../../shared/api/contract';
import { errorText } from '../api/errors';
import { useApi } from '../store/context';

export interface PollOptions {
  /** false: no calls (e.g. while the host is away); what was loaded stays. Default true. */
  enabled?: boolean;
  /** After each failed call, with its reason (e.g. to raise a notice). */
  onError?: (message: string) => void;
  /** After each good call (e.g. to clear that notice). */
  onSuccess?: () => void;
}

/**
 * Calls a host method now and every `intervalMs` while the component is shown and `enabled`.
 * `data` keeps the last good answer when a later call fails; `error` says why the last call failed
 * (null after a success). New `params` (compared by value) start over: no data until their first
 * answer, so a view never shows another query's result.
 */
export function usePolled<M extends MethodName>(
  method: M,
  params: Params<M>,
  intervalMs: number,
  options: PollOptions = {},
): { data: Results[M] | null; error: string | null } {
  const api = useApi();
  const key = JSON.stringify(params);
  const enabled = options.enabled ?? true;
  // read at call time: callers pass fresh literals and closures on every render
  const latest = useRef({ params, options });
  latest.current = { params, options };
  const [state, setState] = useState<{ key: string; data: Results[M] | null; error: string | null }>({ key, data: null, error: null });
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const load = () => {
      api.call(method, latest.current.params).then(
        (data) => {
          if (!live) return;
          setState({ key, data, error: null });
          latest.current.options.onSuccess?.();
        },
        (err: unknown) => {
          if (!live) return;
          const error = errorText(err);
          setState((s) => ({ key, data: s.key === key ? s.data : null, error }));
          latest.current.options.onError?.(error);
        },
      );
    };
    load();
    const timer = setInterval(load, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, method, key, intervalMs, enabled]);
  return state.key === key ? { data: state.data, error: state.error } : { data: null, error: null };
}
