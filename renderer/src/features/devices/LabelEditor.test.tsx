// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClient } from '../../api/fake-client';
import { renderWith, setup } from '../../test-utils';
import { LabelEditor } from './LabelEditor';

afterEach(cleanup);

describe('label editor', () => {
  it('names a device with Enter, cancels with Escape, and says when the host refuses', async () => {
    const client = createFakeClient();
    let refuse = false;
    client.handlers['devices.label'] = ({ id, label }) => {
      if (refuse) throw new Error('label: no control characters');
      return { id, label } as never;
    };
    const ctx = setup(client);
    renderWith(<LabelEditor id="esp-1" label={null} />, ctx);
    fireEvent.click(screen.getByRole('button', { name: 'Add a name' }));
    const input = screen.getByLabelText('Device name');
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByLabelText('Device name')).toBeNull();
    expect(client.calls).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Add a name' }));
    fireEvent.change(screen.getByLabelText('Device name'), { target: { value: 'Garage door' } });
    await act(async () => fireEvent.submit(screen.getByLabelText('Device name').closest('form')!));
    expect(client.calls.map((c) => [c.method, c.params])).toEqual([['devices.label', { id: 'esp-1', label: 'Garage door' }]]);
    expect(ctx.store.getState().notices.map((n) => n.text)).toContain('esp-1 is now called "Garage door"');
    expect(screen.queryByLabelText('Device name')).toBeNull();

    refuse = true;
    fireEvent.click(screen.getByRole('button', { name: 'Add a name' }));
    await act(async () => fireEvent.submit(screen.getByLabelText('Device name').closest('form')!));
    expect(ctx.store.getState().notices.at(-1)!.text).toContain('Renaming esp-1 failed');
    expect(screen.getByLabelText('Device name')).toBeTruthy(); // kept open to fix it
  });

  it('gives the focus back to the Rename button when the field closes (saved or Escape), not to the page body', async () => {
    const client = createFakeClient();
    client.handlers['devices.label'] = ({ id, label }) => ({ id, label }) as never;
    const ctx = setup(client);
    renderWith(<LabelEditor id="esp-1" label="Door" />, ctx);
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    const input = screen.getByLabelText('Device name');
    act(() => input.focus());
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename' }));

    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    act(() => screen.getByLabelText('Device name').focus());
    await act(async () => fireEvent.submit(screen.getByLabelText('Device name').closest('form')!));
    expect(screen.queryByLabelText('Device name')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename' }));
  });
});
