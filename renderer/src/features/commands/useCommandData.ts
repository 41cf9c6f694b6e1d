import { useCallback, useEffect, useState } from 'react';
import type { CommandHistoryEntry, SavedCommand } from '../../../../shared/api/contract';
import { ApiCallError, errorText } from '../../api/errors';
import { useApi, useApp } from '../../store/context';

const LOAD_KEY = 'commands.load';

/**
 * Saved commands and the send history, reloaded after every action and after the host comes back.
 * `loaded` is false until a load worked: the lists are unknown then, not empty, and `error` says why
 * (the view shows "Not loaded: …" in their place). A lost connection is said only there (the status
 * bar says it too); another failure also raises a notice, cleared once a load works or the view goes.
 */
export function useCommandData() {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const clearNotices = useApp((s) => s.clearNotices);
  const [saved, setSaved] = useState<SavedCommand[]>([]);
  const [history, setHistory] = useState<CommandHistoryEntry[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      const [s, h] = await Promise.all([api.call('saved.list', {}), api.call('history.list', { limit: 100 })]);
      setSaved(s);
      setHistory(h);
      setLoaded(true);
      setError(null);
      clearNotices(LOAD_KEY);
    } catch (err) {
      setError(errorText(err));
      if (err instanceof ApiCallError && err.code === 'disconnected') clearNotices(LOAD_KEY);
      else notify('error', `Could not load saved commands: ${errorText(err)}`, { key: LOAD_KEY });
    }
  }, [api, notify, clearNotices]);
  // a new hello is a (re)connection: what failed to load while the host was away loads now
  const hello = useApp((s) => s.hello);
  useEffect(() => {
    void reload();
  }, [reload, hello]);
  // the failure is about this view's lists: it does not follow the user to other views
  useEffect(() => () => clearNotices(LOAD_KEY), [clearNotices]);
  return { saved, history, loaded, error, reload };
}
