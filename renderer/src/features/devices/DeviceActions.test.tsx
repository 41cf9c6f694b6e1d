// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeClient, fakeDevice } from '../../api/fake-client';
import { renderWith, setup, TEST_HELLO } from '../../test-utils';
import { ControlWidget } from './ControlWidget';
import { DeviceActions } from './DeviceActions';
import { LabelEditor } from './LabelEditor';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function lab() {
  const client = createFakeClient();
  client.handlers['messages.send'] = () => ({ msgId: 7 });
  client.handlers['broker.redirect'] = () => ({ redirected: 1 });
  client.handlers['tokens.rotate'] = ({ id }) => ({ id, token: 'new-token-xyz' });
  client.handlers['tokens.revoke'] = () => ({ closedSession: true });
  return setup(client);
}

describe('device actions', () => {
  it('sends a command, redirects, rotates (new token shown once) and revokes after confirming in the panel\'s dialog', async () => {
    const ctx = lab();
    const nativeConfirm = vi.spyOn(window, 'confirm');
    renderWith(<DeviceActions id="lamp" online />, ctx);
    fireEvent.change(screen.getByTestId('device-payload'), { target: { value: '{"cmd":"blink"}' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Send to lamp' })));
    fireEvent.change(screen.getByLabelText('Redirect host'), { target: { value: '10.0.0.2' } });
    fireEvent.change(screen.getByLabelText('Redirect port'), { target: { value: '9000' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Redirect' })));
    fireEvent.click(screen.getByRole('button', { name: 'Rotate token' }));
    const rotate = screen.getByRole('dialog', { name: 'Rotate the token of lamp?' });
    expect(rotate.textContent).toContain('The old token stops working at once');
    expect(rotate.textContent).toContain('must be given the new token');
    await act(async () => fireEvent.click(screen.getByTestId('token-rotate-confirm')));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByTestId('token-value').textContent).toBe('new-token-xyz');
    fireEvent.click(screen.getByRole('button', { name: 'I saved it' }));
    fireEvent.click(screen.getByRole('button', { name: 'Revoke token' }));
    expect(screen.getByRole('dialog', { name: 'Revoke the token of lamp?' }).textContent).toContain("The device's live session is closed at once and it cannot log in again.");
    await act(async () => fireEvent.click(screen.getByTestId('token-revoke-confirm')));
    expect(nativeConfirm).not.toHaveBeenCalled();
    expect(ctx.client.calls.map((c) => [c.method, c.params])).toEqual([
      ['messages.send', { to: 'lamp', payload: { cmd: 'blink' } }],
      ['broker.redirect', { device: 'lamp', host: '10.0.0.2', port: 9000 }],
      ['tokens.rotate', { id: 'lamp' }],
      ['tokens.revoke', { id: 'lamp' }],
    ]);
    expect(ctx.store.getState().notices.map((n) => n.text)).toContain('Token of lamp revoked; its session was closed');
  });

  it('keeps the focus on Send while it is busy (aria-disabled, a second press ignored), and "I saved it" gives it back to Rotate token', async () => {
    const ctx = lab();
    let answer: (r: { msgId: number }) => void = () => {};
    ctx.client.handlers['messages.send'] = () => new Promise((resolve) => (answer = resolve));
    renderWith(<DeviceActions id="lamp" online />, ctx);
    const send = screen.getByRole('button', { name: 'Send to lamp' }) as HTMLButtonElement;
    act(() => send.focus());
    await act(async () => fireEvent.click(send));
    expect(send.disabled).toBe(false);
    expect(send.getAttribute('aria-disabled')).toBe('true');
    await act(async () => fireEvent.click(send));
    expect(ctx.client.calls.filter((c) => c.method === 'messages.send')).toHaveLength(1);
    await act(async () => answer({ msgId: 1 }));
    expect(send.getAttribute('aria-disabled')).toBeNull();
    expect(document.activeElement).toBe(send);

    fireEvent.click(screen.getByRole('button', { name: 'Rotate token' }));
    await act(async () => fireEvent.click(screen.getByTestId('token-rotate-confirm')));
    const saved = screen.getByRole('button', { name: 'I saved it' });
    act(() => saved.focus());
    fireEvent.click(saved);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rotate token' }));
  });

  it('does nothing when the user cancels a revoke (Cancel, or Escape); focus goes back to the button; cannot send to an offline device', async () => {
    const ctx = lab();
    renderWith(<DeviceActions id="lamp" online={false} />, ctx);
    const revoke = screen.getByRole('button', { name: 'Revoke token' });
    revoke.focus();
    fireEvent.click(revoke);
    // Cancel has the focus: Enter on it cancels
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(revoke);
    fireEvent.click(revoke);
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(revoke);
    expect(ctx.client.calls).toHaveLength(0);
    expect((screen.getByRole('button', { name: 'Send to lamp' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('forgets a device after confirming in its dialog, goes back to the list, and the batch removes it; history stays by default', async () => {
    const ctx = lab();
    ctx.client.handlers['devices.forget'] = () => ({ tokenRevoked: true, closedSession: true });
    ctx.client.emit({ devices: [fakeDevice('lamp'), fakeDevice('fan')] });
    ctx.store.getState().navigate('device', 'lamp');
    renderWith(<DeviceActions id="lamp" online />, ctx);
    fireEvent.click(screen.getByRole('button', { name: 'Forget device' }));
    expect(screen.getByRole('dialog', { name: 'Forget lamp?' }).textContent).toContain('stay until retention removes them');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(ctx.client.calls).toHaveLength(0); // cancelled
    fireEvent.click(screen.getByRole('button', { name: 'Forget device' }));
    expect((screen.getByRole('checkbox', { name: 'Also delete its stored traffic and telemetry' }) as HTMLInputElement).checked).toBe(false);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Forget' })));
    expect(ctx.client.calls.map((c) => [c.method, c.params])).toEqual([['devices.forget', { id: 'lamp' }]]);
    expect(ctx.store.getState().notices.map((n) => n.text)).toContain('lamp forgotten; its session was closed');
    expect(ctx.store.getState().view).toBe('devices');
    ctx.client.emit({ removedDevices: ['lamp'] });
    expect(ctx.store.getState().deviceIds).toEqual(['fan']);
    expect(ctx.store.getState().devices.lamp).toBeUndefined();
  });

  it('asks to delete the stored history with the checkbox (keyboard too) and says what was removed', async () => {
    const ctx = lab();
    ctx.client.handlers['devices.forget'] = () => ({ tokenRevoked: false, closedSession: false, deleted: { trafficRows: 1234, telemetryRows: 56, metricsRows: 7 } });
    renderWith(<DeviceActions id="lamp" online={false} />, ctx);
    fireEvent.click(screen.getByRole('button', { name: 'Forget device' }));
    // Cancel has the focus; Tab from the last button wraps to the checkbox (a native one: Space ticks it)
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    const box = screen.getByRole('checkbox', { name: 'Also delete its stored traffic and telemetry' }) as HTMLInputElement;
    const forget = screen.getByRole('button', { name: 'Forget' });
    forget.focus();
    fireEvent.keyDown(forget, { key: 'Tab' });
    expect(document.activeElement).toBe(box);
    fireEvent.click(box); // what Space does on a focused checkbox
    expect(box.checked).toBe(true);
    expect(screen.getByRole('dialog').textContent).toContain('cannot be undone');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Forget' })));
    expect(ctx.client.calls.map((c) => [c.method, c.params])).toEqual([['devices.forget', { id: 'lamp', deleteHistory: true }]]);
    expect(ctx.store.getState().notices.map((n) => n.text)).toContain(`lamp forgotten; deleted ${(1234).toLocaleString()} traffic rows, 56 telemetry minutes and 7 metrics minutes`);
  });

  it('Escape closes the forget dialog without forgetting', () => {
    const ctx = lab();
    renderWith(<DeviceActions id="lamp" online />, ctx);
    fireEvent.click(screen.getByRole('button', { name: 'Forget device' }));
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(ctx.client.calls).toHaveLength(0);
  });

  it("disables the device page's controls and actions while the host is down, says why, and enables them on reconnect", async () => {
    const ctx = lab();
    ctx.client.handlers.hello = () => ({ ...TEST_HELLO });
    ctx.client.handlers['devices.list'] = () => [fakeDevice('lamp')];
    act(() => void ctx.client.emit({ devices: [fakeDevice('lamp')] }));
    const relay = { id: 'relay1', kind: 'relay' as const, label: 'Relay 1' };
    renderWith(
      <>
        <LabelEditor id="lamp" label={null} />
        <ControlWidget device="lamp" control={relay} />
        <DeviceActions id="lamp" online />
      </>,
      ctx,
    );
    fireEvent.change(screen.getByLabelText('Redirect host'), { target: { value: '10.0.0.2' } });
    const names = ['Add a name', 'Relay 1 of lamp', 'Send to lamp', 'Redirect', 'Rotate token', 'Revoke token', 'Forget device'];
    const controls = () => names.map((name) => screen.getByRole(name === 'Relay 1 of lamp' ? 'switch' : 'button', { name }) as HTMLButtonElement);
    expect(controls().map((c) => c.disabled)).toEqual(names.map(() => false));
    act(() => ctx.client.setStatus('closed', 'connection lost (code 1006)'));
    for (const c of controls()) {
      expect(c.disabled).toBe(true);
      expect(c.title).toBe('Not connected to the host');
    }
    const send = screen.getByRole('button', { name: 'Send to lamp' });
    expect(document.getElementById(send.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Not connected to the host/);
    await act(async () => ctx.client.setStatus('open'));
    expect(controls().map((c) => c.disabled)).toEqual(names.map(() => false));
  });

  it('says when a device was not redirected because the REDIRECT is over its receive limit', async () => {
    const ctx = lab();
    ctx.client.handlers['broker.redirect'] = () => ({ redirected: 0, skippedTooLarge: 1 });
    renderWith(<DeviceActions id="lamp" online />, ctx);
    fireEvent.change(screen.getByLabelText('Redirect host'), { target: { value: 'a-rather-long-host-name.lab.example' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Redirect' })));
    const texts = ctx.store.getState().notices.map((n) => n.text);
    expect(texts).toContain("Redirected 0 session(s); 1 not redirected: the REDIRECT is longer than the device's receive limit (its maxPayload); use a shorter host name");
  });
});
