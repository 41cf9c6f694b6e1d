// @vitest-environment jsdom
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setup, TEST_HELLO } from '../test-utils';
import { BatchAck, StoreProvider } from './context';

afterEach(cleanup);

describe('BatchAck', () => {
  it('acks the first batch of a restarted host, whose seq is the one acked last', () => {
    const ctx = setup();
    ctx.client.handlers.hello = () => ({ ...TEST_HELLO });
    ctx.client.handlers['devices.list'] = () => [];
    render(
      <StoreProvider store={ctx.store} client={ctx.client}>
        <BatchAck />
      </StoreProvider>,
    );
    act(() => void ctx.client.emit({ seq: 1, notices: [{ level: 'info', text: 'first host' }] }));
    expect(ctx.client.acks).toEqual([1]);
    // the host restarts: its pump counts from 1 again
    act(() => ctx.client.setStatus('closed', 'connection lost'));
    act(() => ctx.client.setStatus('open'));
    act(() => void ctx.client.emit({ seq: 1, notices: [{ level: 'info', text: 'restarted host' }] }));
    expect(ctx.client.acks).toEqual([1, 1]);
    act(() => void ctx.client.emit({ seq: 2, notices: [{ level: 'info', text: 'next' }] }));
    expect(ctx.client.acks).toEqual([1, 1, 2]);
  });
});
