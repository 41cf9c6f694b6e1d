// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings as SETTINGS } from '../../../../shared/api/contract';
import { createFakeClient } from '../../api/fake-client';
import { ApiCallError } from '../../api/errors';
import { renderWith, setup, TEST_HELLO } from '../../test-utils';
import { fieldLimits, numberProblem, SettingsView } from './SettingsView';

afterEach(cleanup);

function lab() {
  const client = createFakeClient();
  client.handlers['settings.get'] = () => SETTINGS;
  client.handlers['storage.stats'] = () => {
    throw new ApiCallError('disconnected', 'not connected to the host');
  };
  return setup(client);
}

describe('settings view', () => {
  it('reads the settings again when the host comes back after a failed first read', async () => {
    const ctx = lab();
    ctx.client.handlers['settings.get'] = () => {
      throw new ApiCallError('disconnected', 'not connected to the host');
    };
    renderWith(<SettingsView />, ctx);
    expect((await screen.findByText(/Could not load settings/)).textContent).toContain('not connected to the host');

    ctx.client.handlers['settings.get'] = () => SETTINGS;
    ctx.client.handlers.hello = () => ({ ...TEST_HELLO, udpPort: 8080 });
    ctx.client.handlers['devices.list'] = () => [];
    await act(async () => ctx.client.setStatus('open'));
    expect(((await screen.findByLabelText('TCP port')) as HTMLInputElement).value).toBe('8080');
    expect(screen.queryByText(/Could not load settings/)).toBeNull();
  });

  it('keeps the edits when the host reconnects', async () => {
    const ctx = lab();
    ctx.client.handlers.hello = () => ({ ...TEST_HELLO, udpPort: 8080 });
    ctx.client.handlers['devices.list'] = () => [];
    renderWith(<SettingsView />, ctx);
    fireEvent.change(await screen.findByLabelText('Keepalive (s)'), { target: { value: '30' } });
    await act(async () => ctx.client.setStatus('open'));
    expect((screen.getByLabelText('Keepalive (s)') as HTMLInputElement).value).toBe('30');
    expect(ctx.client.calls.filter((c) => c.method === 'settings.get')).toHaveLength(1);
  });

  it('names the invalid fields by their label, in plain words, once the field is left, and marks them', async () => {
    const ctx = lab();
    ctx.client.handlers['settings.save'] = ({ settings }) => ({ ...SETTINGS, ...settings });
    renderWith(<SettingsView />, ctx);
    const port = await screen.findByLabelText('TCP port');
    fireEvent.change(port, { target: { value: '70000' } });
    // not while typing: only when the field is left
    expect(screen.queryByRole('alert')).toBeNull();
    fireEvent.blur(port);
    const keepalive = screen.getByLabelText('Keepalive (s)');
    fireEvent.change(keepalive, { target: { value: '2.5' } });
    fireEvent.blur(keepalive);
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual(['TCP port must be a whole number between 0 and 65535', 'Keepalive (s) must be a whole number between 1 and 3600']);
    expect(screen.getAllByRole('alert').map((a) => a.textContent).join()).not.toMatch(/tcpPort|expected|received/);
    expect(port.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('UDP port').getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByLabelText('UDP port').hasAttribute('aria-describedby')).toBe(false);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    expect(ctx.client.calls.some((c) => c.method === 'settings.save')).toBe(false);
  });

  it("puts a field's message directly under it, describing it, and leaves Save in a row of its own", async () => {
    const ctx = lab();
    renderWith(<SettingsView />, ctx);
    const keepalive = await screen.findByLabelText('Keepalive (s)');
    const actions = screen.getByTestId('settings-actions');
    const save = screen.getByRole('button', { name: 'Save settings' });
    const grid = actions.parentElement!;
    const cellsBefore = Array.from(grid.children);
    fireEvent.change(keepalive, { target: { value: '0' } });
    await act(async () => fireEvent.click(save));
    const message = screen.getByTestId('settings-problem-keepaliveSeconds');
    expect(message.textContent).toBe('Keepalive (s) must be a whole number between 1 and 3600');
    // right after its input, inside the field; the input is described by it
    expect(keepalive.nextElementSibling).toBe(message);
    expect(keepalive.getAttribute('aria-describedby')).toBe(message.id);
    // the failed save took the keyboard to the field
    expect(document.activeElement).toBe(keepalive);
    // no new cell in the grid to push Save along: the same cells, Save still in the last
    expect(Array.from(grid.children)).toEqual(cellsBefore);
    expect(grid.lastElementChild).toBe(actions);
    expect(save.parentElement).toBe(actions);
    expect(ctx.client.calls.some((c) => c.method === 'settings.save')).toBe(false);
  });

  it('lets a number field be emptied and retyped, and checks it on save', async () => {
    const ctx = lab();
    ctx.client.handlers['settings.save'] = ({ settings }) => ({ ...SETTINGS, ...settings });
    renderWith(<SettingsView />, ctx);
    const rate = (await screen.findByLabelText('Rate limit (msgs/s per device)')) as HTMLInputElement;
    fireEvent.change(rate, { target: { value: '' } });
    // stays empty (it used to turn into 0 at once)
    expect(rate.value).toBe('');
    // saving now says what is missing and sends nothing
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    expect(screen.getByTestId('settings-problem-rateLimitPerSecond').textContent).toBe('Rate limit (msgs/s per device) is empty: enter a whole number between 1 and 1,000,000');
    expect(rate.getAttribute('aria-invalid')).toBe('true');
    expect(ctx.client.calls.some((c) => c.method === 'settings.save')).toBe(false);
    fireEvent.change(rate, { target: { value: '5' } });
    fireEvent.change(rate, { target: { value: '50' } });
    expect(rate.value).toBe('50');
    expect(screen.queryByTestId('settings-problem-rateLimitPerSecond')).toBeNull();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    expect(ctx.client.calls.find((c) => c.method === 'settings.save')?.params).toEqual({ settings: { ...SETTINGS, rateLimitPerSecond: 50 } });
  });

  it('sets the broadcast limit per device, checked against its range', async () => {
    const ctx = lab();
    ctx.client.handlers['settings.save'] = ({ settings }) => ({ ...SETTINGS, ...settings });
    renderWith(<SettingsView />, ctx);
    const field = (await screen.findByLabelText('Broadcast limit (per s per device)')) as HTMLInputElement;
    expect(field.value).toBe(String(SETTINGS.broadcastLimitPerSecond));
    fireEvent.change(field, { target: { value: '0' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    expect(screen.getByTestId('settings-problem-broadcastLimitPerSecond').textContent).toMatch(/between 1 and 1,000,000/);
    fireEvent.change(field, { target: { value: '25' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    expect(ctx.client.calls.find((c) => c.method === 'settings.save')?.params).toEqual({ settings: { ...SETTINGS, broadcastLimitPerSecond: 25 } });
  });

  it("says so when the host refuses the save, and keeps the edits", async () => {
    const ctx = lab();
    ctx.client.handlers['settings.save'] = () => {
      throw new ApiCallError('invalid_params', 'settings.keepaliveSeconds: Too big: expected number to be <=3600');
    };
    renderWith(<SettingsView />, ctx);
    fireEvent.change(await screen.findByLabelText('Keepalive (s)'), { target: { value: '30' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' })));
    expect(ctx.client.calls.find((c) => c.method === 'settings.save')?.params).toEqual({ settings: { ...SETTINGS, keepaliveSeconds: 30 } });
    expect(ctx.store.getState().notices.map((n) => n.text)).toEqual([expect.stringMatching(/^Saving settings failed: .*keepaliveSeconds: Too big/)]);
    expect((screen.getByLabelText('Keepalive (s)') as HTMLInputElement).value).toBe('30');
  });

  it('takes the limits in its messages from the shared schema', () => {
    expect(fieldLimits('maxPayload')).toEqual({ min: 64, max: 65535 });
    expect(numberProblem('tcpPort', '8080')).toBeNull();
    expect(numberProblem('tcpPort', ' 8080 ')).toBeNull();
    expect(numberProblem('tcpPort', '-1')).toBe('must be a whole number between 0 and 65535');
    expect(numberProblem('tcpPort', '80a')).toBe('must be a whole number between 0 and 65535');
    expect(numberProblem('retentionDays', '')).toBe('is empty: enter a whole number between 1 and 3650');
  });

  it('disables Save during the first connection attempt, saying so, until the host has answered', async () => {
    const client = createFakeClient();
    client.handlers['settings.get'] = () => SETTINGS;
    client.handlers['storage.stats'] = () => {
      throw new ApiCallError('disconnected', 'not connected to the host');
    };
    client.handlers.hello = () => ({ ...TEST_HELLO, udpPort: 8080 });
    client.handlers['devices.list'] = () => [];
    const ctx = setup(client, { answered: false });
    renderWith(<SettingsView />, ctx);
    const save = (await screen.findByRole('button', { name: 'Save settings' })) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    expect(save.title).toBe('Connecting to the host…');
    expect(document.getElementById(save.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Connecting to the host…/);
    await act(async () => client.setStatus('open'));
    expect(save.disabled).toBe(false);
    expect(save.title).toBe('');
  });

  it('disables Save while the host is down, says why, and enables it again on reconnect', async () => {
    const ctx = lab();
    ctx.client.handlers.hello = () => ({ ...TEST_HELLO, udpPort: 8080 });
    ctx.client.handlers['devices.list'] = () => [];
    renderWith(<SettingsView />, ctx);
    const save = (await screen.findByRole('button', { name: 'Save settings' })) as HTMLButtonElement;
    expect(save.disabled).toBe(false);
    act(() => ctx.client.setStatus('closed', 'connection lost (code 1006)'));
    expect(save.disabled).toBe(true);
    expect(save.title).toBe('Not connected to the host');
    const note = document.getElementById(save.getAttribute('aria-describedby')!);
    expect(note?.textContent).toMatch(/^Not connected to the host/);
    // still down while it tries again
    act(() => ctx.client.setStatus('connecting'));
    expect(save.disabled).toBe(true);
    await act(async () => ctx.client.setStatus('open'));
    expect(save.disabled).toBe(false);
    expect(save.getAttribute('aria-describedby')).toBeNull();
  });

  it('offline alerts have an off switch, on by default, saved with the settings', async () => {
    const ctx = lab();
    ctx.client.handlers['settings.save'] = ({ settings }) => ({ ...SETTINGS, ...settings });
    renderWith(<SettingsView />, ctx);
    const box = (await screen.findByLabelText(/^Offline alerts/)) as HTMLInputElement;
    expect(box.checked).toBe(true);
    fireEvent.click(box);
    await act(async () => fireEvent.click(screen.getByText('Save settings')));
    expect(ctx.client.calls.find((c) => c.method === 'settings.save')?.params).toEqual({ settings: { ...SETTINGS, offlineAlerts: false } });
    expect(((await screen.findByLabelText(/^Offline alerts/)) as HTMLInputElement).checked).toBe(false);
  });
});

describe('settings: single-key shortcuts', () => {
  it('turns the single-key shortcuts off and on from Appearance (WCAG 2.1.4), kept for the next window', () => {
    const { store } = renderWith(<SettingsView />);
    const box = screen.getByRole('checkbox', { name: /^Single-key shortcuts/ }) as HTMLInputElement;
    expect(box.checked).toBe(true);
    fireEvent.click(box);
    expect(store.getState().singleKeyShortcuts).toBe(false);
    expect(setup().store.getState().singleKeyShortcuts).toBe(false);
    fireEvent.click(box);
    expect(box.checked).toBe(true);
    expect(setup().store.getState().singleKeyShortcuts).toBe(true);
  });
});
