import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store/context';

/** "Label (id)" for labelled devices, else the id: for pickers and the command palette. */
export function useDeviceLabels(ids: string[]): string[] {
  return useApp(
    useShallow((s) =>
      ids.map((id) => {
        const label = s.devices[id]?.label;
        return label ? `${label} (${id})` : id;
      }),
    ),
  );
}
