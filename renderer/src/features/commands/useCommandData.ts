import { useCallback, useEffect, useState } from 'react';
import type { CommandHistoryEntry, SavedCommand } from '../../../../shared/api/contract';
import { errorText } from '../../api/errors';
import { useApi, useApp } from '../../store/context';

/** Saved commands and the send history, reloaded after every action and after the host comes back. */
export function useCommandData() {
  const api = useApi();
  const notify = useApp((s) => s.notify);
  const clearNotices = useApp((s) => s.clearNotices);
  const [saved, setSaved] = useState<SavedCommand[]>([]);
  const [history, setHistory] = useState<CommandHistoryEntry[]>([]);
  const reload = useCallback(async () => {
    try {
      const [s, h] = await Promise.all([api.call('saved.list', {}), api.call('history.list', { limit: 100 })]);
      setSaved(s);
      setHistory(h);
      clearNotices('commands.load');
    } catch (err) {
      notify('error', `Could not load saved commands: ${errorText(err)}`, { key: 'commands.load' });
    }
  }, [api, notify, clearNotices]);
  // a new hello is a (re)connection: what failed to load while the host was away loads now
  const hello = useApp((s) => s.hello);
  useEffect(() => {
    void reload();
  }, [reload, hello]);
  return { saved, history, reload };
}
