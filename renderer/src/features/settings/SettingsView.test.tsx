// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../../../shared/api/contract';
import { createFakeClient } from '../../api/fake-client';
import { ApiCallError } from '../../api/errors';
import { renderWith, setup } from '../../test-utils';
import { SettingsView } from './SettingsView';

afterEach(cleanup);

const SETTINGS: Settings = {
  tcpPort: 8080,
  udpPort: 8080,
  tlsEnabled: false,
  tlsPort: 8443,
  maxPayload: 16384,
  keepaliveSeconds: 10,
  rateLimitPerSecond: 1000,
  retentionDays: 7,
  retentionMegabytes: 512,
  offlineGraceSeconds: 0,
  theme: 'system',
};

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
    ctx.client.handlers.hello = () => ({ version: '1', mode: 'headless', tcpPort: 8080, udpPort: 8080, tlsPort: null });
    ctx.client.handlers['devices.list'] = () => [];
    await act(async () => ctx.client.setStatus('open'));
    expect(((await screen.findByLabelText('TCP port')) as HTMLInputElement).value).toBe('8080');
    expect(screen.queryByText(/Could not load settings/)).toBeNull();
  });

  it('keeps the edits when the host reconnects', async () => {
    const ctx = lab();
    ctx.client.handlers.hello = () => ({ version: '1', mode: 'headless', tcpPort: 8080, udpPort: 8080, tlsPort: null });
    ctx.client.handlers['devices.list'] = () => [];
    renderWith(<SettingsView />, ctx);
    fireEvent.change(await screen.findByLabelText('Keepalive (s)'), { target: { value: '30' } });
    await act(async () => ctx.client.setStatus('open'));
    expect((screen.getByLabelText('Keepalive (s)') as HTMLInputElement).value).toBe('30');
    expect(ctx.client.calls.filter((c) => c.method === 'settings.get')).toHaveLength(1);
  });

  it('names the invalid fields by their label and marks them', async () => {
    renderWith(<SettingsView />, lab());
    fireEvent.change(await screen.findByLabelText('TCP port'), { target: { value: '70000' } });
    fireEvent.change(screen.getByLabelText('Keepalive (s)'), { target: { value: '0' } });
    const problems = screen.getByTestId('settings-problems').textContent!;
    expect(problems).toMatch(/^TCP port: .*65535/);
    expect(problems).toContain('Keepalive (s): ');
    expect(problems).not.toContain('tcpPort');
    const port = screen.getByLabelText('TCP port');
    expect(port.getAttribute('aria-invalid')).toBe('true');
    expect(port.getAttribute('aria-describedby')).toBe('settings-problems');
    expect(screen.getByLabelText('UDP port').getAttribute('aria-invalid')).toBeNull();
    expect((screen.getByRole('button', { name: 'Save settings' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
