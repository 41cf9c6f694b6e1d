// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClient } from '../../api/fake-client';
import { renderWith, setup } from '../../test-utils';
import { TopTalkers } from './TopTalkers';

afterEach(cleanup);

describe('top talkers', () => {
  it('opens a device from its row by keyboard as well as by click', async () => {
    const client = createFakeClient();
    client.handlers['metrics.topTalkers'] = () => [{ device: 'lamp-1', msgsPerSecond: 3, bytesPerSecond: 120 }];
    const ctx = setup(client);
    renderWith(<TopTalkers />, ctx);
    const row = (await screen.findByText('lamp-1')).closest('tr')!;
    expect(row.tabIndex).toBe(0);
    row.focus();
    fireEvent.keyDown(row, { key: 'Enter' });
    expect(ctx.store.getState()).toMatchObject({ view: 'device', selectedDevice: 'lamp-1' });
  });
});
