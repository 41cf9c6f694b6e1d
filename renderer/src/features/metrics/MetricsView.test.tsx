// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWith, withChartLayout } from '../../test-utils';
import { MetricsView } from './MetricsView';

withChartLayout();

describe('metrics view while the host is away', () => {
  it('holds Export CSV with the reason and gives it back on reconnect', () => {
    const { client } = renderWith(<MetricsView />);
    const exportButton = () => screen.getByRole('button', { name: 'Export CSV' }) as HTMLButtonElement;
    expect(exportButton().disabled).toBe(false);
    act(() => client.setStatus('closed', 'connection lost (code 1006)'));
    expect(exportButton().disabled).toBe(true);
    expect(exportButton().title).toBe('Not connected to the host');
    expect(document.getElementById(exportButton().getAttribute('aria-describedby')!)?.textContent).toMatch(/^Not connected to the host/);
    act(() => client.setStatus('open'));
    expect(exportButton().disabled).toBe(false);
  });
});
