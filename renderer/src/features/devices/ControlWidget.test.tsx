// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClient, fakeDevice } from '../../api/fake-client';
import { renderWith, setup } from '../../test-utils';
import { ControlWidget } from './ControlWidget';

afterEach(cleanup);

const controls = [
  { id: 'fan', kind: 'switch' as const },
  { id: 'bell', kind: 'button' as const, label: 'Ring' },
  { id: 'dim', kind: 'slider' as const, min: 0, max: 10 },
  { id: 'mode', kind: 'select' as const, options: ['eco', 'boost'] },
];

describe('declared controls', () => {
  it('draws each kind and sends controls.set with its value', async () => {
    const client = createFakeClient();
    client.handlers['controls.set'] = () => ({ req: 'r' });
    const ctx = setup(client);
    act(() => void client.emit({ devices: [fakeDevice('d', { controls, controlState: { fan: false, dim: 3, mode: 'eco' } })] }));
    renderWith(
      <>
        {controls.map((c) => (
          <ControlWidget key={c.id} device="d" control={c} />
        ))}
      </>,
      ctx,
    );
    await act(async () => fireEvent.click(screen.getByTestId('control-d-fan')));
    await act(async () => fireEvent.click(screen.getByTestId('control-d-bell')));
    const slider = screen.getByTestId('control-d-dim') as HTMLInputElement;
    expect(slider.value).toBe('3');
    fireEvent.change(slider, { target: { value: '7' } });
    await act(async () => fireEvent.pointerUp(slider));
    await act(async () => fireEvent.change(screen.getByTestId('control-d-mode'), { target: { value: 'boost' } }));
    expect(client.calls.filter((c) => c.method === 'controls.set').map((c) => c.params)).toEqual([
      { device: 'd', control: 'fan', value: true },
      { device: 'd', control: 'bell', value: true },
      { device: 'd', control: 'dim', value: 7 },
      { device: 'd', control: 'mode', value: 'boost' },
    ]);
    expect(screen.getByTestId('control-status-d-mode').textContent).toBe('pending');
  });

  it('shows failed with the reason, and is disabled while the device is offline', async () => {
    const client = createFakeClient();
    const ctx = setup(client);
    act(() => void client.emit({ devices: [fakeDevice('d', { controls })] }));
    renderWith(<ControlWidget device="d" control={controls[0]!} />, ctx);
    await act(async () => fireEvent.click(screen.getByTestId('control-d-fan')));
    expect(screen.getByTestId('control-status-d-fan').textContent).toBe('failed: fake has no controls.set');
    // read out by a screen reader: the status is a live region that was there before it changed
    expect(screen.getByRole('status').textContent).toBe('failed: fake has no controls.set');
    act(() => void client.emit({ devices: [fakeDevice('d', { controls, online: false })] }));
    expect((screen.getByTestId('control-d-fan') as HTMLButtonElement).disabled).toBe(true);
  });

  it('stays focusable while its command is pending (aria-disabled) and ignores presses until it ends', async () => {
    const client = createFakeClient();
    client.handlers['controls.set'] = () => ({ req: 'r' });
    const ctx = setup(client);
    act(() => void client.emit({ devices: [fakeDevice('d', { controls, controlState: { fan: false } })] }));
    renderWith(<ControlWidget device="d" control={controls[0]!} />, ctx);
    const toggle = screen.getByTestId('control-d-fan') as HTMLButtonElement;
    toggle.focus();
    await act(async () => fireEvent.click(toggle));
    // a disabled button would drop the focus to the body, and the next Tab would start over
    expect(toggle.disabled).toBe(false);
    expect(toggle.getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(toggle);
    await act(async () => fireEvent.click(toggle));
    expect(client.calls.filter((c) => c.method === 'controls.set')).toHaveLength(1);
  });

  it('sends a slider value on the keys that move it, not on Tab or other keys', async () => {
    const client = createFakeClient();
    client.handlers['controls.set'] = () => ({ req: 'r' });
    const ctx = setup(client);
    act(() => void client.emit({ devices: [fakeDevice('d', { controls, controlState: { dim: 3 } })] }));
    renderWith(<ControlWidget device="d" control={controls[2]!} />, ctx);
    const slider = screen.getByTestId('control-d-dim');
    await act(async () => fireEvent.keyUp(slider, { key: 'Tab' }));
    await act(async () => fireEvent.keyUp(slider, { key: 'Shift' }));
    expect(client.calls.filter((c) => c.method === 'controls.set')).toHaveLength(0);
    await act(async () => fireEvent.keyUp(slider, { key: 'ArrowRight' }));
    expect(client.calls.filter((c) => c.method === 'controls.set').map((c) => c.params)).toEqual([{ device: 'd', control: 'dim', value: 3 }]);
  });

  it('puts a slider back at the reported value when its change fails, and keeps its focus when the change is confirmed', async () => {
    const client = createFakeClient();
    const ctx = setup(client);
    act(() => void client.emit({ devices: [fakeDevice('d', { controls, controlState: { dim: 3 } })] }));
    renderWith(<ControlWidget device="d" control={controls[2]!} />, ctx);
    const slider = () => screen.getByTestId('control-d-dim') as HTMLInputElement;
    // no controls.set handler: the change fails, and the device is still at 3
    fireEvent.change(slider(), { target: { value: '7' } });
    await act(async () => fireEvent.pointerUp(slider()));
    expect(screen.getByTestId('control-status-d-dim').textContent).toBe('failed: fake has no controls.set');
    expect(slider().value).toBe('3');

    client.handlers['controls.set'] = () => ({ req: 'r-dim' });
    act(() => slider().focus());
    fireEvent.change(slider(), { target: { value: '5' } });
    await act(async () => fireEvent.keyUp(slider(), { key: 'ArrowRight' }));
    expect(slider().value).toBe('5');
    act(() => void client.emit({ devices: [fakeDevice('d', { controls, controlState: { dim: 5 } })], controlResults: [{ device: 'd', control: 'dim', req: 'r-dim', outcome: 'confirmed' }] }));
    expect(screen.getByTestId('control-status-d-dim').textContent).toBe('confirmed');
    expect(slider().value).toBe('5');
    expect(document.activeElement).toBe(slider());
  });
});
