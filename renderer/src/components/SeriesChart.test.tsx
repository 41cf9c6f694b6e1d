// @vitest-environment jsdom
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { measureChartText, timeAxisLabels, withChartLayout } from '../test-utils';
import { axisTick, CHART_KEYS_HINT, chartSummary, keyPoint, SeriesChart, timeLabels } from './SeriesChart';

withChartLayout();

const t0 = new Date(2026, 0, 1, 10, 0, 0).getTime();
const series = [
  { key: 'in', label: 'in msgs/s', color: '#2f80ed' },
  { key: 'out', label: 'out msgs/s', color: '#f2c94c' },
];
const data = [
  { ts: t0, in: 2, out: null },
  { ts: t0 + 1000, in: 9.123, out: 0 },
  { ts: t0 + 2000, in: 4, out: 1 },
];

describe('series chart', () => {
  it('says in words what the chart shows: time span, latest, lowest and highest per series', () => {
    expect(chartSummary(data, series)).toBe('From 10:00:00 to 10:00:02. in msgs/s: now 4, lowest 2, highest 9.12; out msgs/s: now 1, lowest 0, highest 1.');
    expect(chartSummary([], series)).toBe('No data yet.');
    render(<SeriesChart title="Messages per second" data={data} series={series} testId="chart-msgs" />);
    const figure = screen.getByTestId('chart-msgs');
    expect(figure.querySelector('figcaption')!.textContent).toBe('Messages per second');
    expect(screen.getByTestId('chart-msgs-summary').textContent).toBe(chartSummary(data, series));
    expect(figure.contains(screen.getByTestId('chart-msgs-summary'))).toBe(true);
  });

  it('is a Tab stop named by its title and described by the summary and the keys, hidden by nothing', () => {
    render(<SeriesChart title="Messages per second" data={data} series={series} testId="chart-msgs" />);
    const chart = screen.getByRole('application', { name: 'Messages per second chart' });
    expect(chart.getAttribute('tabindex')).toBe('0');
    expect(chart.closest('[aria-hidden="true"]')).toBeNull();
    const described = chart.getAttribute('aria-describedby')!.split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described).toEqual([chartSummary(data, series), CHART_KEYS_HINT]);
  });

  it('shows a note under the title when given, first in the description', () => {
    render(<SeriesChart title="UDP loss and retransmits" note="Loss counts packets proven lost." data={data} series={series} />);
    const chart = screen.getByRole('application', { name: 'UDP loss and retransmits chart' });
    expect(screen.getByText('Loss counts packets proven lost.').tagName).toBe('P');
    const described = chart.getAttribute('aria-describedby')!.split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described).toEqual(['Loss counts packets proven lost.', chartSummary(data, series), CHART_KEYS_HINT]);
  });

  it('starts the keyboard at the newest point on focus; Left and Right step, Home and End go to the ends', async () => {
    render(<SeriesChart title="Messages per second" data={data} series={series} testId="chart-msgs" />);
    const chart = screen.getByRole('application', { name: 'Messages per second chart' });
    const status = within(screen.getByTestId('chart-msgs')).getByRole('status');
    expect(status.textContent).toBe('');
    act(() => chart.focus());
    await waitFor(() => expect(status.textContent).toContain('in msgs/s : 4'));
    expect(status.textContent).toContain('10:00:02');
    const press = (key: string) => act(() => void fireEvent.keyDown(chart, { key }));
    press('ArrowLeft');
    expect(status.textContent).toContain('10:00:01');
    expect(status.textContent).toContain('in msgs/s : 9.123');
    press('ArrowRight');
    expect(status.textContent).toContain('10:00:02');
    press('ArrowRight'); // no further than the newest
    expect(status.textContent).toContain('10:00:02');
    press('Home');
    expect(status.textContent).toContain('10:00:00');
    expect(status.textContent).toContain('in msgs/s : 2');
    expect(status.textContent).not.toContain('out msgs/s'); // no value there
    press('End');
    expect(status.textContent).toContain('10:00:02');
  });

  it('takes Home, End and the page keys from the page (no scrolling), hides on Escape, and says the keys in its hint', () => {
    render(<SeriesChart title="Messages per second" data={data} series={series} testId="chart-msgs" />);
    const chart = screen.getByRole('application', { name: 'Messages per second chart' });
    const status = within(screen.getByTestId('chart-msgs')).getByRole('status');
    act(() => chart.focus());
    for (const key of ['Home', 'End', 'PageUp', 'PageDown', 'ArrowLeft', 'ArrowRight']) expect(fireEvent.keyDown(chart, { key }), key).toBe(false);
    expect(fireEvent.keyDown(chart, { key: 'a' })).toBe(true);
    act(() => void fireEvent.keyDown(chart, { key: 'Escape' }));
    expect(status.textContent).toBe('');
    for (const words of ['newest', 'Left and right arrow', 'Page Down and Page Up', 'Home and End']) expect(CHART_KEYS_HINT).toContain(words);
  });

  it('leaves a chart focused by a click to the mouse until a key is pressed', () => {
    render(<SeriesChart title="Messages per second" data={data} series={series} testId="chart-msgs" />);
    const chart = screen.getByRole('application', { name: 'Messages per second chart' });
    const status = within(screen.getByTestId('chart-msgs')).getByRole('status');
    fireEvent.pointerDown(chart);
    act(() => chart.focus());
    fireEvent.pointerUp(chart);
    expect(status.textContent).toBe('');
    act(() => void fireEvent.keyDown(chart, { key: 'End' }));
    expect(status.textContent).toContain('10:00:02');
  });

  it('jumps a tenth of the points with Page Down (back) and Page Up (forward), within the ends', () => {
    expect(keyPoint('PageDown', 99, 100)).toBe(89);
    expect(keyPoint('PageUp', 89, 100)).toBe(99);
    expect(keyPoint('PageDown', 3, 100)).toBe(0);
    expect(keyPoint('PageUp', 1, 3)).toBe(2); // a step at least
    expect(keyPoint('Home', 50, 100)).toBe(0);
    expect(keyPoint('End', 0, 100)).toBe(99);
    expect(keyPoint('ArrowUp', 5, 100)).toBeUndefined();
    expect(keyPoint('End', 0, 0)).toBeUndefined();
  });

  it('still follows the keys after the mouse has been over the chart (where a Tooltip defaultIndex would not)', async () => {
    render(<SeriesChart title="Messages per second" data={data} series={series} testId="chart-msgs" />);
    const chart = screen.getByRole('application', { name: 'Messages per second chart' });
    const figure = screen.getByTestId('chart-msgs');
    const status = within(figure).getByRole('status');
    const wrapper = figure.querySelector('.recharts-wrapper')!;
    act(() => chart.focus());
    await waitFor(() => expect(status.textContent).toContain('10:00:02'));
    // the mouse takes over: one tooltip, recharts'
    fireEvent.mouseMove(wrapper, { clientX: 100, clientY: 100 });
    await waitFor(() => expect(status.textContent).toBe(''));
    fireEvent.mouseLeave(wrapper);
    act(() => void fireEvent.keyDown(chart, { key: 'Home' }));
    expect(status.textContent).toContain('10:00:00');
    act(() => void fireEvent.keyDown(chart, { key: 'ArrowRight' }));
    expect(status.textContent).toContain('10:00:01');
  });

  it('lists the legend in the order of the series, not alphabetically', () => {
    const band = [
      { key: 'avg', label: 'temp average', color: '#2f80ed' },
      { key: 'min', label: 'min', color: '#2f80ed' },
      { key: 'max', label: 'max', color: '#2f80ed' },
    ];
    render(<SeriesChart title="Temperature" data={[{ ts: t0, avg: 2, min: 1, max: 3 }, { ts: t0 + 60_000, avg: 3, min: 2, max: 4 }]} series={band} testId="chart-temp" />);
    const labels = Array.from(screen.getByTestId('chart-temp').querySelectorAll('.recharts-legend-item-text')).map((l) => l.textContent);
    expect(labels).toEqual(['temp average', 'min', 'max']);
  });

  it('writes legend labels in the text colour, not the (sometimes pale) series colour', () => {
    render(<SeriesChart title="Messages per second" data={data} series={series} testId="chart-msgs" />);
    const labels = Array.from(screen.getByTestId('chart-msgs').querySelectorAll<HTMLElement>('.recharts-legend-item-text > span'));
    expect(labels.map((l) => [l.textContent, l.style.color])).toEqual([
      ['in msgs/s', 'var(--text)'],
      ['out msgs/s', 'var(--text)'],
    ]);
  });
});

describe('series chart with live data', () => {
  it('holds still while focused (the point under the keys does not slide) and catches up on blur', async () => {
    const next = [...data.slice(1), { ts: t0 + 3000, in: 7, out: 2 }];
    const { rerender } = render(<SeriesChart title="Messages per second" data={data} series={series} testId="chart-msgs" throttleMs={0} />);
    const chart = screen.getByRole('application', { name: 'Messages per second chart' });
    const status = within(screen.getByTestId('chart-msgs')).getByRole('status');
    const summary = () => screen.getByTestId('chart-msgs-summary').textContent;
    act(() => chart.focus());
    await waitFor(() => expect(status.textContent).toContain('10:00:02'));
    rerender(<SeriesChart title="Messages per second" data={next} series={series} testId="chart-msgs" throttleMs={0} />);
    await act(async () => new Promise((r) => setTimeout(r, 20)));
    expect(status.textContent).toContain('10:00:02');
    expect(summary()).toBe(chartSummary(data, series));
    act(() => chart.blur());
    await waitFor(() => expect(summary()).toBe(chartSummary(next, series)));
    expect(status.textContent).toBe('');
    // focused again, it starts at the new newest point
    act(() => chart.focus());
    await waitFor(() => expect(status.textContent).toContain('10:00:03'));
  });
});

describe('series chart time axis', () => {
  it('labels round times (every 30 s over 2 minutes in 600 px), not the odd second the window starts at', async () => {
    const start = new Date(2026, 0, 1, 3, 37, 49).getTime();
    const rows = Array.from({ length: 121 }, (_, i) => ({ ts: start + i * 1000, in: i % 5, out: 1 }));
    const restore = measureChartText();
    try {
      render(<SeriesChart title="Live" data={rows} series={series} testId="chart-live" />);
      await waitFor(() => expect(timeAxisLabels(screen.getByTestId('chart-live'))).toEqual(['03:38:00', '03:38:30', '03:39:00', '03:39:30']));
    } finally {
      restore();
    }
  });

  it('spans the window it is given, not only the times its data covers (charts of a page line up)', async () => {
    const start = new Date(2026, 0, 1, 3, 37, 0).getTime();
    // 20 s of data at the end of a 2-minute window
    const rows = Array.from({ length: 21 }, (_, i) => ({ ts: start + 100_000 + i * 1000, in: 1, out: 1 }));
    const restore = measureChartText();
    try {
      render(<SeriesChart title="Live" data={rows} span={{ from: start, to: start + 120_000 }} series={series} testId="chart-live" />);
      await waitFor(() => expect(timeAxisLabels(screen.getByTestId('chart-live'))).toEqual(['03:37:00', '03:37:30', '03:38:00', '03:38:30', '03:39:00']));
    } finally {
      restore();
    }
  });
});

describe('time labels', () => {
  const at = new Date(2026, 11, 5, 14, 7, 9).getTime();
  const date = new Date(at).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  it('fit the span: seconds for a live window, minutes within a day, the date beyond', () => {
    expect(timeLabels(5 * 60_000).tick(at)).toBe('14:07:09');
    expect(timeLabels(3_600_000).tick(at)).toBe('14:07');
    expect(timeLabels(3_600_000).full(at)).toBe(`${date} 14:07`);
    expect(timeLabels(30 * 86_400_000).tick(at)).toBe(date);
    expect(timeLabels(30 * 86_400_000).full(at)).toBe(`${date} 14:07`);
  });

  it('say which days a long chart covers in its summary', () => {
    const rows = [
      { ts: at - 2 * 86_400_000, in: 1, out: 0 },
      { ts: at, in: 2, out: 0 },
    ];
    const from = new Date(at - 2 * 86_400_000).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
    expect(chartSummary(rows, series)).toMatch(new RegExp(`^From ${from} 14:07 to ${date} 14:07\\.`));
  });
});

describe('series chart gaps', () => {
  const rows = [0, 1, 2, 3, 4].map((i) => ({ ts: t0 + i * 1000, in: i === 2 ? null : i + 1, out: i === 2 ? null : 1 }));
  const pathOf = (figure: HTMLElement, name: string) => figure.querySelector(`path.recharts-line-curve[name="${name}"]`);
  const moves = (d: string | null | undefined) => (d ?? '').split('M').length - 1;

  it('breaks a series marked gaps at a null (the host was not running) and joins the others across it', async () => {
    // jsdom has no layout and withChartLayout gives every element the chart's size: the legend
    // would take the whole height and leave the plot none, so it gets a legend's height here
    const chartRect = HTMLElement.prototype.getBoundingClientRect;
    HTMLElement.prototype.getBoundingClientRect = function (this: HTMLElement) {
      const rect = chartRect.call(this);
      return this.classList.contains('recharts-legend-wrapper') ? { ...rect, height: 20, bottom: 20 } : rect;
    };
    try {
      render(<SeriesChart title="Messages per second" data={rows} series={[{ ...series[0]!, gaps: true }, series[1]!]} testId="chart-gaps" />);
      const figure = screen.getByTestId('chart-gaps');
      await waitFor(() => expect(figure.querySelectorAll('.recharts-line-curve')).toHaveLength(2));
      expect(moves(pathOf(figure, 'in msgs/s')?.getAttribute('d'))).toBe(2);
      expect(moves(pathOf(figure, 'out msgs/s')?.getAttribute('d'))).toBe(1);
    } finally {
      HTMLElement.prototype.getBoundingClientRect = chartRect;
    }
  });
});

describe('chart numbers', () => {
  const grouped = (v: number) => v.toLocaleString(undefined, { maximumFractionDigits: 3 });
  it('label the value axis compactly from 10,000 up, and leave smaller ticks as they are', () => {
    expect(axisTick(185_000)).toBe((185_000).toLocaleString(undefined, { notation: 'compact' }));
    expect(axisTick(182_500)).not.toBe(axisTick(182_000)); // neighbouring round ticks stay apart
    expect(axisTick(1_250_000)).toBe((1_250_000).toLocaleString(undefined, { notation: 'compact', maximumFractionDigits: 2 }));
    expect(axisTick(21.36)).toBe('21.36');
    expect(axisTick(0.004)).toBe('0.004');
    expect(axisTick(9_999)).toBe('9999');
    expect(axisTick(-20_000)).toBe((-20_000).toLocaleString(undefined, { notation: 'compact' }));
  });

  it('reads a large value grouped in the keyboard tooltip', async () => {
    const rows = [
      { ts: t0, in: 181_000, out: 0 },
      { ts: t0 + 1000, in: 184_409, out: 0 },
    ];
    render(<SeriesChart title="Free heap" data={rows} series={series} testId="chart-heap" />);
    const chart = screen.getByRole('application', { name: 'Free heap chart' });
    const status = within(screen.getByTestId('chart-heap')).getByRole('status');
    act(() => chart.focus());
    await waitFor(() => expect(status.textContent).toContain(`in msgs/s : ${grouped(184_409)}`));
  });
});

describe('series chart without values', () => {
  it('says there is nothing yet in place of bare axes, and draws once a value comes', () => {
    const none = [
      { ts: t0, in: null, out: null },
      { ts: t0 + 1000, in: null, out: null },
    ];
    const { rerender } = render(<SeriesChart title="Round-trip time" data={none} series={series} testId="chart-rtt" empty="No round-trip times yet." throttleMs={0} />);
    expect(screen.getByTestId('chart-rtt-empty').textContent).toBe('No round-trip times yet.');
    expect(screen.getByTestId('chart-rtt').querySelector('.recharts-wrapper, [role="application"]')).toBeNull();
    rerender(<SeriesChart title="Round-trip time" data={[...none, { ts: t0 + 2000, in: 3, out: null }]} series={series} testId="chart-rtt" empty="No round-trip times yet." throttleMs={0} />);
    return waitFor(() => expect(screen.queryByTestId('chart-rtt-empty')).toBeNull());
  });
});

describe('series chart value axis', () => {
  const valueLabels = (chart: HTMLElement) => Array.from(chart.querySelectorAll('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value')).map((t) => t.textContent);

  it('labels round values, from 0 for rates and around the data for readings', async () => {
    const restore = measureChartText();
    try {
      const rates = [0.02, 0.22, 0.11].map((v, i) => ({ ts: t0 + i * 1000, in: v, out: 0 }));
      render(<SeriesChart title="Errors" data={rates} series={series} testId="chart-errors" />);
      await waitFor(() => expect(valueLabels(screen.getByTestId('chart-errors'))).toEqual(['0', '0.1', '0.2', '0.3']));
      const readings = [21.36, 22.04, 21.7].map((v, i) => ({ ts: t0 + i * 1000, in: v, out: null }));
      render(<SeriesChart title="Temperature" data={readings} series={series} testId="chart-temp" fromZero={false} />);
      await waitFor(() => expect(valueLabels(screen.getByTestId('chart-temp'))).toEqual(['21.2', '21.4', '21.6', '21.8', '22', '22.2']));
      const bytes = [120_000, 181_500].map((v, i) => ({ ts: t0 + i * 1000, in: v, out: 0 }));
      render(<SeriesChart title="Bytes" data={bytes} series={series} testId="chart-bytes" />);
      await waitFor(() => expect(valueLabels(screen.getByTestId('chart-bytes'))).toEqual(['0', ...[50_000, 100_000, 150_000, 200_000].map(axisTick)]));
    } finally {
      restore();
    }
  });
});

describe('series chart, overlapping lines', () => {
  it('brings the series under the mouse on the legend to the front and fades the others', async () => {
    const restore = measureChartText();
    try {
      const same = [0, 1, 2].map((i) => ({ ts: t0 + i * 1000, in: 3, out: 3 })); // one line over the other
      render(<SeriesChart title="Busiest devices" data={same} series={series} testId="chart-devices" />);
      const chart = screen.getByTestId('chart-devices');
      const curves = () => Array.from(chart.querySelectorAll('path.recharts-line-curve')).map((p) => ({ color: p.getAttribute('stroke'), opacity: p.getAttribute('stroke-opacity'), width: p.getAttribute('stroke-width') }));
      await waitFor(() => expect(curves().map((c) => c.color)).toEqual(['#2f80ed', '#f2c94c'])); // "out" drawn over "in"
      const item = Array.from(chart.querySelectorAll('.recharts-legend-item')).find((i) => i.textContent === 'in msgs/s')!;
      fireEvent.mouseEnter(item);
      expect(curves()).toEqual([
        { color: '#f2c94c', opacity: '0.2', width: '1.5' },
        { color: '#2f80ed', opacity: '1', width: '3' },
      ]);
      fireEvent.mouseLeave(item);
      // (in the order recharts keeps its layers in)
      expect(curves().sort((a, b) => String(a.color).localeCompare(String(b.color)))).toEqual([
        { color: '#2f80ed', opacity: '1', width: '1.5' },
        { color: '#f2c94c', opacity: '1', width: '1.5' },
      ]);
    } finally {
      restore();
    }
  });
});
