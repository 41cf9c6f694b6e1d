import { memo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ControlDescription } from '../../../../shared/protocol/login';
import { controlKey } from '../../store/devices-slice';
import { hostHold } from '../../components/hostGate';
import { useApp } from '../../store/context';

/** What the control shows now: the pending target while in flight, else the last reported state. */
function shownValue(reported: unknown, op: { status: string; value?: unknown } | undefined): unknown {
  if (op && op.status !== 'failed' && op.value !== undefined) return op.value;
  return reported;
}

/** The keys that move a range input: only these send its value on release (Tab onto it must not). */
const SLIDER_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End']);

/** One declared control, drawn by its kind, with pending / confirmed / failed. */
export const ControlWidget = memo(function ControlWidget({ device, control, compact = false }: { device: string; control: ControlDescription; compact?: boolean }) {
  const key = controlKey(device, control.id);
  const { op, reported, online, hold } = useApp(
    useShallow((s) => ({ op: s.controls[key], reported: s.devices[device]?.controlState[control.id], online: s.devices[device]?.online ?? false, hold: hostHold(s) })),
  );
  const setControl = useApp((s) => s.setControl);
  // a slider's position while it is dragged; on release the shown value (pending, else reported) takes
  // over again, so a change that fails or times out puts the thumb back where the device is
  const [dragged, setDragged] = useState<number | null>(null);
  const status = op?.status ?? 'idle';
  const value = shownValue(reported, op);
  const label = control.label ?? control.id;
  // every control waits for the host (lost, or not answered yet), the device page's and the compact ones of the Devices list
  const offHost = hold !== null;
  const pending = status === 'pending';
  const common = {
    'data-testid': `control-${device}-${control.id}`,
    'data-status': status,
    // pending is aria-disabled, not disabled: a disabled control drops keyboard focus to the body
    disabled: !online || offHost,
    'aria-disabled': pending || undefined,
    ...(hold ? { title: hold } : {}),
  };
  /** Sends the change unless one is still in flight (the control only looks disabled then). */
  const send = (value: unknown) => {
    if (!pending) void setControl(device, control.id, { value });
  };
  const release = (value: number) => {
    setDragged(null);
    send(value);
  };
  let input;
  switch (control.kind) {
    case 'relay':
    case 'switch': {
      const on = value === true || value === 1 || value === 'on';
      // in the Devices list (compact) the row is the Tab stop and Space/T on it switches this, so
      // the toggle is not one of its own; disabled for an offline device, it says why
      const inList = compact ? { tabIndex: -1, ...(online || offHost ? {} : { title: `${device} is offline` }) } : {};
      input = (
        <button
          type="button"
          role="switch"
          aria-checked={on}
          aria-label={`${label} of ${device}`}
          className={`toggle ${on ? 'on' : 'off'}`}
          onClick={(e) => {
            e.stopPropagation();
            send(!on);
          }}
          {...common}
          {...inList}
        >
          <span className="knob" />
          <span className="toggle-text">{on ? 'ON' : 'OFF'}</span>
        </button>
      );
      break;
    }
    case 'button':
      input = (
        <button type="button" className="btn" onClick={() => send(true)} {...common}>
          {label}
        </button>
      );
      break;
    case 'slider': {
      const num = typeof value === 'number' ? value : (control.min ?? 0);
      input = (
        <input
          type="range"
          aria-label={label}
          min={control.min ?? 0}
          max={control.max ?? 100}
          step={control.step ?? 1}
          value={dragged ?? num}
          onChange={(e) => setDragged(Number(e.target.value))}
          onPointerUp={(e) => release(Number((e.target as HTMLInputElement).value))}
          onKeyUp={(e) => SLIDER_KEYS.has(e.key) && release(Number((e.target as HTMLInputElement).value))}
          // a drag that ends without a release (a cancelled touch) is not sent: it must not hold the thumb
          onBlur={() => setDragged(null)}
          {...common}
        />
      );
      break;
    }
    case 'select':
      input = (
        <select aria-label={label} value={typeof value === 'string' ? value : ''} onChange={(e) => send(e.target.value)} {...common}>
          <option value="" disabled>
            choose
          </option>
          {(control.options ?? []).map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      );
      break;
  }
  return (
    <div className={`control control-${control.kind}${compact ? ' compact' : ''}`}>
      {!compact && <span className="control-label">{label}</span>}
      {input}
      {control.kind === 'slider' && !compact && <span className="control-value">{String(value ?? '')}</span>}
      {/* a live region on the device page (failed: ... is read out); the compact one of the list is hidden, its failure is a notice */}
      <span className={`control-status status-${status}`} data-testid={`control-status-${device}-${control.id}`} title={op?.error} {...(compact ? {} : { role: 'status' })}>
        {status === 'idle' ? '' : status === 'failed' ? `failed${op?.error ? `: ${op.error}` : ''}` : status}
      </span>
    </div>
  );
});
