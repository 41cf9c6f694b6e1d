import { useEffect, useState } from 'react';
import type { MethodName, Params, Results } from '../../../shared/api/contract';
import { errorText } from '../api/errors';
import { useApi } from '../store/context';

/**
 * Calls a host method now and every `intervalMs` while the component is shown. `data` keeps the
 * last good answer when a later call fails; `error` says why the last call failed (null after a
 * success). `params` is read once per mount, so pass constants.
 */
export function usePolled<M extends MethodName>(method: M, params: Params<M>, intervalMs: number): { data: Results[M] | null; error: string | null } {
  const api = useApi();
  const [state, setState] = useState<{ data: Results[M] | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    let live = true;
    const load = () =>
      api.call(method, params).then(
        (data) => live && setState({ data, error: null }),
        (err: unknown) => live && setState((s) => ({ data: s.data, error: errorText(err) })),
      );
    void load();
    const timer = setInterval(load, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // params is left out on purpose: callers pass constants (see above), often as fresh literals.
  }, [api, method, intervalMs]);
  return state;
}
