// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SavedCommand } from '../../../../shared/api/contract';
import { ApiCallError } from '../../api/errors';
import { createFakeClient, fakeDevice } from '../../api/fake-client';
import { renderWith, setup, TEST_HELLO } from '../../test-utils';
import { CommandsView } from './CommandsView';

afterEach(cleanup);

function lab() {
  const client = createFakeClient();
  const saved: SavedCommand[] = [];
  client.handlers['saved.list'] = () => saved;
  client.handlers['history.list'] = () => [];
  client.handlers['saved.save'] = (p) => {
    const cmd = { id: `s${saved.length + 1}`, name: p.name, scope: p.scope, template: p.template };
    saved.push(cmd);
    return cmd;
  };
  client.handlers['saved.run'] = (p) => ({ msgId: 1, payload: saved.find((s) => s.id === p.id)!.template.replace('{{device}}', p.to) });
  client.handlers['messages.send'] = () => ({ msgId: 2 });
  client.handlers['messages.broadcast'] = () => ({ recipients: 2 });
  const ctx = setup(client);
  act(() => void client.emit({ devices: [fakeDevice('a'), fakeDevice('b'), fakeDevice('c', { online: false })] }));
  return { ...ctx, saved };
}

describe('commands view', () => {
  it('validates the JSON payload as you type', () => {
    renderWith(<CommandsView />, lab());
    const editor = screen.getByTestId('command-payload');
    fireEvent.change(editor, { target: { value: '{"cmd":' } });
    expect(screen.getByTestId('command-payload-check').textContent).toMatch(/Not valid JSON/);
    expect((screen.getByRole('button', { name: 'Send to a' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(editor, { target: { value: '[1,2]' } });
    expect(screen.getByTestId('command-payload-check').textContent).toMatch(/must be a JSON object/);
    fireEvent.change(editor, { target: { value: '{"cmd":"x"}' } });
    expect(screen.getByTestId('command-payload-check').textContent).toBe('valid JSON object');
  });

  it('reads a payload with {{variables}} as a template and asks for their values inline on Send', async () => {
    const ctx = lab();
    renderWith(<CommandsView />, ctx);
    const editor = screen.getByTestId('command-payload');
    fireEvent.change(editor, { target: { value: '{"cmd":"set","control":"relay1","value":{{on}},"to":"{{device}}"}' } });
    const check = screen.getByTestId('command-payload-check');
    expect(check.textContent).toBe('Template with variables: on, device');
    expect(check.className).toBe('muted');
    expect(editor.getAttribute('aria-invalid')).toBe('false');
    // a broadcast cannot fill variables: off, with the reason beside it
    const broadcast = screen.getByTestId('broadcast-button') as HTMLButtonElement;
    expect(broadcast.disabled).toBe(true);
    expect(document.getElementById(broadcast.getAttribute('aria-describedby')!)?.textContent).toMatch(/cannot fill \{\{variables\}\}/);
    fireEvent.click(screen.getByRole('button', { name: 'Send to a' }));
    const form = screen.getByTestId('send-vars');
    expect(ctx.client.calls.some((c) => c.method === 'messages.send')).toBe(false);
    fireEvent.change(within(form).getByLabelText('Variable on'), { target: { value: 'true' } });
    await act(async () => fireEvent.click(within(form).getByRole('button', { name: 'Send to a' })));
    expect(ctx.client.calls.filter((c) => c.method === 'messages.send').map((c) => c.params)).toEqual([{ to: 'a', payload: { cmd: 'set', control: 'relay1', value: true, to: 'a' } }]);
    expect(screen.queryByTestId('send-vars')).toBeNull();
    // no toast asked the user to save it first
    expect(ctx.store.getState().notices.filter((n) => n.level !== 'info')).toEqual([]);
    // a value that makes it invalid is said in the form, not in a toast, and nothing is sent
    fireEvent.click(screen.getByRole('button', { name: 'Send to a' }));
    fireEvent.change(screen.getByLabelText('Variable on'), { target: { value: 'tru' } });
    await act(async () => fireEvent.click(within(screen.getByTestId('send-vars')).getByRole('button', { name: 'Send to a' })));
    expect(screen.getByTestId('send-vars-error').textContent).toMatch(/^With these values: Not valid JSON/);
    expect(ctx.client.calls.filter((c) => c.method === 'messages.send')).toHaveLength(1);
    // only built-ins: sent at once, filled
    fireEvent.change(editor, { target: { value: '{"to":"{{device}}"}' } });
    expect(screen.queryByTestId('send-vars')).toBeNull();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Send to a' })));
    expect(ctx.client.calls.filter((c) => c.method === 'messages.send').at(-1)?.params).toEqual({ to: 'a', payload: { to: 'a' } });
  });

  it('names each saved command\'s edit button after it, and loads that one into the composer', async () => {
    const ctx = lab();
    ctx.saved.push({ id: 's8', name: 'blink', scope: null, template: '{"cmd":"blink"}' }, { id: 's9', name: 'reset', scope: null, template: '{"cmd":"reset"}' });
    renderWith(<CommandsView />, ctx);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit reset' }));
    expect((screen.getByTestId('command-payload') as HTMLTextAreaElement).value).toBe('{"cmd":"reset"}');
    expect(screen.getByRole('button', { name: 'Edit blink' })).toBeTruthy();
  });

  it("deletes a saved command only after its dialog's Delete (not the browser's confirm); Escape keeps it", async () => {
    const ctx = lab();
    ctx.saved.push({ id: 's9', name: 'blink', scope: null, template: '{"cmd":"blink"}' });
    ctx.client.handlers['saved.delete'] = ({ id }) => {
      ctx.saved.splice(ctx.saved.findIndex((c) => c.id === id), 1);
      return { deleted: true };
    };
    const nativeConfirm = vi.spyOn(window, 'confirm');
    renderWith(<CommandsView />, ctx);
    const del = await screen.findByRole('button', { name: 'Delete blink' });
    del.focus();
    fireEvent.click(del);
    const dialog = screen.getByRole('dialog', { name: 'Delete saved command "blink"?' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(del);
    fireEvent.click(del);
    await act(async () => fireEvent.click(screen.getByTestId('saved-delete-confirm')));
    expect(ctx.client.calls.filter((c) => c.method === 'saved.delete').map((c) => c.params)).toEqual([{ id: 's9' }]);
    expect(ctx.store.getState().notices.map((n) => n.text)).toContain('Deleted "blink"');
    expect(nativeConfirm).not.toHaveBeenCalled();
    nativeConfirm.mockRestore();
  });

  it('saves a command with variables and runs it: built-ins by the host, own ones asked for', async () => {
    const ctx = lab();
    renderWith(<CommandsView />, ctx);
    fireEvent.change(screen.getByTestId('command-payload'), { target: { value: '{"to":"{{device}}"}' } });
    fireEvent.change(screen.getByLabelText('Saved command name'), { target: { value: 'who' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })));
    await act(async () => fireEvent.click(await screen.findByTestId('run-saved-who')));
    expect(ctx.client.calls.find((c) => c.method === 'saved.run')?.params).toEqual({ id: 's1', to: 'a' });

    fireEvent.change(screen.getByTestId('command-payload'), { target: { value: '{"say":"{{word}}","to":"{{device}}"}' } });
    fireEvent.change(screen.getByLabelText('Saved command name'), { target: { value: 'say' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })));
    fireEvent.click(await screen.findByTestId('run-saved-say'));
    fireEvent.change(screen.getByLabelText('Variable word'), { target: { value: 'hi "you"' } });
    await act(async () => fireEvent.click(screen.getAllByRole('button', { name: 'Send to a' }).at(-1)!));
    expect(ctx.client.calls.filter((c) => c.method === 'messages.send').at(-1)?.params).toEqual({ to: 'a', payload: { say: 'hi "you"', to: 'a' } });
  });

  it("says a value that breaks a saved command's JSON in its form, not in a toast that follows the user", async () => {
    const ctx = lab();
    ctx.saved.push({ id: 's1', name: 'relay on', scope: null, template: '{"cmd":"set","value":{{on}}}' });
    renderWith(<CommandsView />, ctx);
    fireEvent.click(await screen.findByTestId('run-saved-relay on'));
    fireEvent.change(screen.getByLabelText('Variable on'), { target: { value: 'tru' } });
    await act(async () => fireEvent.click(screen.getAllByRole('button', { name: 'Send to a' }).at(-1)!));
    expect(screen.getByTestId('saved-vars-error').textContent).toMatch(/^With these values: Not valid JSON/);
    expect(ctx.store.getState().notices).toEqual([]);
    expect(ctx.client.calls.some((c) => c.method === 'messages.send')).toBe(false);
    fireEvent.change(screen.getByLabelText('Variable on'), { target: { value: 'true' } });
    await act(async () => fireEvent.click(screen.getAllByRole('button', { name: 'Send to a' }).at(-1)!));
    expect(ctx.client.calls.find((c) => c.method === 'messages.send')?.params).toEqual({ to: 'a', payload: { cmd: 'set', value: true } });
    expect(screen.queryByLabelText('Variable on')).toBeNull();
  });

  it('broadcast shows the online recipients and sends only after confirmation', async () => {
    const ctx = lab();
    renderWith(<CommandsView />, ctx);
    fireEvent.click(screen.getByTestId('broadcast-button'));
    const list = screen.getByTestId('broadcast-recipients');
    expect(list.textContent).toBe('ab');
    expect(ctx.client.calls.some((c) => c.method === 'messages.broadcast')).toBe(false);
    await act(async () => fireEvent.click(screen.getByTestId('broadcast-confirm')));
    expect(ctx.client.calls.find((c) => c.method === 'messages.broadcast')?.params).toEqual({ payload: { cmd: 'ping' } });
    await waitFor(() => expect(ctx.store.getState().notices.at(-1)?.text).toBe('Broadcast delivered to 2 device(s)'));
  });

  it('loads the saved commands once the host is back when they could not be read before', async () => {
    const ctx = lab();
    const list = ctx.client.handlers['saved.list']!;
    ctx.client.handlers['saved.list'] = () => {
      throw new ApiCallError('disconnected', 'not connected to the host');
    };
    renderWith(<CommandsView />, ctx);
    expect((await screen.findByTestId('saved-not-loaded')).textContent).toBe('Not loaded: not connected to the host. It loads when the host is back.');
    ctx.saved.push({ id: 's1', name: 'reboot', scope: null, template: '{"cmd":"reboot"}' });
    ctx.client.handlers['saved.list'] = list;
    ctx.client.handlers.hello = () => ({ ...TEST_HELLO });
    ctx.client.handlers['devices.list'] = () => [fakeDevice('a')];
    await act(async () => ctx.client.setStatus('open'));
    expect(await screen.findByTestId('run-saved-reboot')).toBeTruthy();
  });

  it('after an outage says the lists are not loaded (no false empty states, no toast) and loads them on reconnect', async () => {
    const ctx = lab();
    ctx.saved.push({ id: 's1', name: 'reboot', scope: null, template: '{"cmd":"reboot"}' });
    const handlers = { saved: ctx.client.handlers['saved.list']!, history: () => [{ ts: 1_700_000_000_000, target: 'a', payload: '{"cmd":"reboot"}', status: 'sent' as const, error: null }] };
    const down = () => {
      throw new ApiCallError('disconnected', 'not connected to the host');
    };
    ctx.client.handlers['saved.list'] = down;
    ctx.client.handlers['history.list'] = down;
    act(() => ctx.client.setStatus('closed', 'cannot reach the host'));
    const view = renderWith(<CommandsView />, ctx);
    const notLoaded = 'Not loaded: not connected to the host. It loads when the host is back.';
    expect((await screen.findByTestId('saved-not-loaded')).textContent).toBe(notLoaded);
    expect(screen.getByTestId('history-not-loaded').textContent).toBe(notLoaded);
    expect(screen.queryByText(/No saved commands yet/)).toBeNull();
    expect(screen.queryByText('Nothing sent yet.')).toBeNull();
    // said in place of the lists (and by the status bar), not by a toast that outlives the view
    expect(ctx.store.getState().notices).toEqual([]);
    ctx.client.handlers['saved.list'] = handlers.saved;
    ctx.client.handlers['history.list'] = handlers.history;
    ctx.client.handlers.hello = () => ({ ...TEST_HELLO });
    ctx.client.handlers['devices.list'] = () => [fakeDevice('a')];
    await act(async () => ctx.client.setStatus('open'));
    expect(await screen.findByTestId('run-saved-reboot')).toBeTruthy();
    expect(screen.getByTestId('command-history').textContent).toContain('{"cmd":"reboot"}');
    expect(screen.queryByTestId('saved-not-loaded')).toBeNull();
    // another failure is a notice too, about this view only: it goes when the view does
    ctx.client.handlers['saved.list'] = () => {
      throw new ApiCallError('internal', 'database is locked');
    };
    await act(async () => fireEvent.click(screen.getByTestId('broadcast-button')));
    await act(async () => fireEvent.click(screen.getByTestId('broadcast-confirm')));
    await waitFor(() => expect(ctx.store.getState().notices.map((n) => n.text)).toContain('Could not load saved commands: database is locked'));
    expect(screen.getByTestId('run-saved-reboot')).toBeTruthy(); // the last known list stays
    view.unmount();
    expect(ctx.store.getState().notices.map((n) => n.text)).not.toContain('Could not load saved commands: database is locked');
  });

  it('marks offline devices in the picker and does not offer to send to one', () => {
    renderWith(<CommandsView />, lab());
    const picker = screen.getByLabelText('Target device') as HTMLSelectElement;
    expect(Array.from(picker.options).map((o) => o.textContent)).toEqual(['a', 'b', 'c (offline)']);
    expect(screen.queryByTestId('target-offline')).toBeNull();
    fireEvent.change(picker, { target: { value: 'c' } });
    expect((screen.getByRole('button', { name: 'Send to c' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('target-offline').textContent).toBe('c is offline; it can receive commands once it reconnects.');
  });

  it('the broadcast dialog takes the focus, keeps Tab inside, closes on Escape and gives the focus back', () => {
    renderWith(<CommandsView />, lab());
    const opener = screen.getByTestId('broadcast-button');
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Confirm broadcast' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    expect(document.activeElement).toBe(cancel);
    // Tab from the last button wraps to the first, Shift+Tab from the first to the last
    const confirm = screen.getByTestId('broadcast-confirm');
    confirm.focus();
    fireEvent.keyDown(confirm, { key: 'Tab' });
    expect(document.activeElement).toBe(cancel);
    fireEvent.keyDown(cancel, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(confirm);
    fireEvent.keyDown(confirm, { key: 'Escape' });
    expect(screen.queryByTestId('broadcast-dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('disables Send, Broadcast and Save during the first connection attempt, saying so, until the host has answered', async () => {
    const client = createFakeClient();
    client.handlers['saved.list'] = () => [];
    client.handlers['history.list'] = () => [];
    client.handlers.hello = () => ({ ...TEST_HELLO });
    client.handlers['devices.list'] = () => [fakeDevice('a')];
    const ctx = setup(client, { answered: false });
    act(() => void client.emit({ devices: [fakeDevice('a')] }));
    renderWith(<CommandsView />, ctx);
    // the lists are unknown yet, not empty
    expect(screen.queryByText(/No saved commands yet/)).toBeNull();
    expect(screen.queryByText('Nothing sent yet.')).toBeNull();
    fireEvent.change(screen.getByLabelText('Saved command name'), { target: { value: 'x' } });
    const buttons = () => [screen.getByRole('button', { name: 'Send to a' }), screen.getByTestId('broadcast-button'), screen.getByRole('button', { name: 'Save' })] as HTMLButtonElement[];
    for (const b of buttons()) {
      expect(b.disabled).toBe(true);
      expect(b.title).toBe('Connecting to the host…');
      expect(document.getElementById(b.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Connecting to the host…/);
    }
    await act(async () => client.setStatus('open'));
    expect(buttons().map((b) => b.disabled)).toEqual([false, false, false]);
    expect(screen.queryByTestId('host-down-note')).toBeNull();
    expect(await screen.findByText(/No saved commands yet/)).toBeTruthy();
    expect(screen.getByText('Nothing sent yet.')).toBeTruthy();
  });

  it('disables Send, Broadcast, Save and the saved commands while the host is down, says why, and enables them on reconnect', async () => {
    const ctx = lab();
    ctx.saved.push({ id: 's1', name: 'reboot', scope: null, template: '{"cmd":"reboot"}' });
    ctx.client.handlers.hello = () => ({ ...TEST_HELLO });
    ctx.client.handlers['devices.list'] = () => [fakeDevice('a'), fakeDevice('b')];
    renderWith(<CommandsView />, ctx);
    fireEvent.change(screen.getByLabelText('Saved command name'), { target: { value: 'x' } });
    const buttons = () => [screen.getByRole('button', { name: 'Send to a' }), screen.getByTestId('broadcast-button'), screen.getByRole('button', { name: 'Save' }), screen.getByTestId('run-saved-reboot')] as HTMLButtonElement[];
    await screen.findByTestId('run-saved-reboot');
    expect(buttons().map((b) => b.disabled)).toEqual([false, false, false, false]);
    act(() => ctx.client.setStatus('closed', 'connection lost (code 1006)'));
    for (const b of buttons()) {
      expect(b.disabled).toBe(true);
      expect(b.title).toBe('Not connected to the host');
      expect(document.getElementById(b.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Not connected to the host/);
    }
    await act(async () => ctx.client.setStatus('open'));
    expect(buttons().map((b) => b.disabled)).toEqual([false, false, false, false]);
    expect(screen.queryByTestId('host-down-note')).toBeNull();
  });
});
