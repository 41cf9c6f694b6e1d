// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorBoundary } from './ErrorBoundary';

afterEach(cleanup);

let broken = true;
function Flaky() {
  if (broken) throw new Error('boom in a view');
  return <p>fine now</p>;
}

describe('view error boundary', () => {
  it('shows the error instead of a blank panel and recovers on retry or view change', () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { rerender } = render(
      <ErrorBoundary resetKey="a">
        <Flaky />
      </ErrorBoundary>,
    );
    expect(screen.getByTestId('view-error').textContent).toContain('boom in a view');
    broken = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(screen.getByText('fine now')).toBeTruthy();
    broken = true;
    rerender(
      <ErrorBoundary resetKey="b">
        <p>other view</p>
      </ErrorBoundary>,
    );
    expect(screen.getByText('other view')).toBeTruthy();
    quiet.mockRestore();
  });
});
