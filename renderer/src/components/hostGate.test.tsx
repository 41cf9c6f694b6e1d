// @vitest-environment jsdom
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClient, fakeDevice } from '../api/fake-client';
import { SHOW_TOKEN_COMMAND, tokenRefusedText } from '../api/ws-client';
import { renderWith, setup, TEST_HELLO } from '../test-utils';
import { HOST_CONNECTING_TEXT, HOST_DOWN_TEXT, hostHold, HostWaiting, useHostGate } from './hostGate';

afterEach(cleanup);

function Gated() {
  const gate = useHostGate();
  return (
    <>
      <button type="button" disabled={gate.down} {...gate.why}>
        Act
      </button>
      {gate.note}
    </>
  );
}

/** A fake host that answers hello and the device list, so 'open' hydrates. */
function firstAttempt() {
  const client = createFakeClient();
  client.handlers.hello = () => ({ ...TEST_HELLO });
  client.handlers['devices.list'] = () => [fakeDevice('lamp-1')];
  return setup(client, { answered: false });
}

describe('host gate', () => {
  it('holds actions before the first hello and after a loss, not after a reconnect that has one', () => {
    const hello = { ...TEST_HELLO };
    expect(hostHold({ hostDown: false, hello: null })).toBe(HOST_CONNECTING_TEXT);
    expect(hostHold({ hostDown: true, hello: null })).toBe(HOST_DOWN_TEXT);
    expect(hostHold({ hostDown: true, hello })).toBe(HOST_DOWN_TEXT);
    expect(hostHold({ hostDown: false, hello })).toBeNull();
  });

  it('disables an action during the first connection attempt, saying why, and enables it once the host has answered', async () => {
    const ctx = firstAttempt();
    renderWith(<Gated />, ctx);
    const act1 = screen.getByRole('button', { name: 'Act' }) as HTMLButtonElement;
    expect(act1.disabled).toBe(true);
    expect(act1.title).toBe(HOST_CONNECTING_TEXT);
    expect(document.getElementById(act1.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Connecting to the host…/);
    await act(async () => ctx.client.setStatus('open'));
    expect(ctx.store.getState().hello).not.toBeNull();
    expect(act1.disabled).toBe(false);
    expect(act1.title).toBe('');
    expect(act1.getAttribute('aria-describedby')).toBeNull();
    expect(screen.queryByTestId('host-down-note')).toBeNull();
  });

  it('says "not connected", not "connecting", once the host was lost, also while it tries again', async () => {
    const ctx = firstAttempt();
    renderWith(<Gated />, ctx);
    await act(async () => ctx.client.setStatus('open'));
    act(() => ctx.client.setStatus('closed', 'connection lost (code 1006)'));
    act(() => ctx.client.setStatus('connecting'));
    const button = screen.getByRole('button', { name: 'Act' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toBe(HOST_DOWN_TEXT);
  });

  it('a failed first attempt turns "connecting" into "not connected"', () => {
    const ctx = firstAttempt();
    renderWith(<Gated />, ctx);
    act(() => ctx.client.setStatus('closed', 'the host refused the connection'));
    expect((screen.getByRole('button', { name: 'Act' }) as HTMLButtonElement).title).toBe(HOST_DOWN_TEXT);
  });
});

describe('host waiting state', () => {
  it('says connecting, then unreachable with the reason, and keeps that between two attempts', () => {
    const ctx = firstAttempt();
    renderWith(<HostWaiting view="lab" what="The list loads" />, ctx);
    expect(screen.getByTestId('lab-connecting').textContent).toContain(HOST_CONNECTING_TEXT);
    act(() => ctx.client.setStatus('closed', 'the host refused the connection'));
    expect(screen.queryByTestId('lab-connecting')).toBeNull();
    expect(screen.getByTestId('lab-unreachable').textContent).toContain('the host refused the connection');
    act(() => ctx.client.setStatus('connecting'));
    expect(screen.getByTestId('lab-unreachable').textContent).toContain('Trying again…');
  });

  it('with a refused admin token says how to get the right link, not that it keeps retrying', () => {
    const ctx = firstAttempt();
    renderWith(<HostWaiting view="lab" what="The list loads" />, ctx);
    act(() => ctx.client.setStatus('closed', tokenRefusedText('127.0.0.1:8090')));
    const card = screen.getByTestId('lab-unreachable');
    expect(card.textContent).toContain("The host refused this page's admin token");
    expect(card.textContent).toContain(`${SHOW_TOKEN_COMMAND} (with the same --db or --config) prints the link with the token`);
    expect(card.textContent).not.toMatch(/keeps retrying|Cannot reach/);
    // any other failure still says the panel keeps retrying
    act(() => ctx.client.setStatus('closed', 'cannot reach the host at 127.0.0.1:8090, retrying in 2 s'));
    expect(screen.getByTestId('lab-unreachable').textContent).toContain('the panel keeps retrying');
  });
});
