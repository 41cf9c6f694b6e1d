// @vitest-environment jsdom
import { act, fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeDevice, type FakeClient } from '../../api/fake-client';
import { PALETTE } from '../../components/SeriesChart';
import { renderWith, withChartLayout, withLayout } from '../../test-utils';
import { DeviceSeries, MAX_DEVICE_SERIES } from './DeviceSeries';

withLayout();
withChartLayout();

/** What the chart's legend shows: each series' name and line colour. */
const legend = () =>
  Array.from(screen.getByTestId('chart-devices').querySelectorAll('.recharts-legend-item')).map((item) => ({
    name: item.querySelector('.recharts-legend-item-text')?.textContent,
    color: item.querySelector('.recharts-legend-icon')?.getAttribute('stroke'),
  }));
const names = () => legend().map((l) => l.name);
/** The legend as a set (recharts may reorder entries when series come and go). */
const legendSet = () => legend().sort((a, b) => String(a.name).localeCompare(String(b.name)));

const IDS = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'old'];

/** One rates sample a second; `old` was busiest long ago (outside the 5-minute window), d8 only just now. */
function feed(client: FakeClient) {
  act(() => void client.emit({ devices: IDS.map((id) => fakeDevice(id)) }));
  act(() => void client.emit({ ts: 1_000, deviceRates: { old: 1000 } }));
  for (let s = 0; s < 10; s++) {
    const ts = 400_000 + s * 1000;
    const rates: Record<string, number> = { d1: 50, d2: 40, d3: 30, d4: 20, d5: 10, d6: 5, d7: 1 };
    if (s === 9) rates.d8 = 60;
    act(() => void client.emit({ ts, deviceRates: rates }));
  }
}

describe('per-device live chart', () => {
  it("names a device in the legend by the user's label", () => {
    const { client } = renderWith(<DeviceSeries scope="" phaseMs={0} />);
    feed(client);
    act(() => void client.emit({ devices: [fakeDevice('d2', { label: 'Garage door' })] }));
    expect([...names()].sort()).toEqual(['Garage door (d2)', 'd1', 'd3', 'd4', 'd5']); // recharts may reorder the legend
  });

  it('draws the busiest devices of the window, one palette colour each, with a legend', () => {
    const { client } = renderWith(<DeviceSeries scope="" phaseMs={0} />);
    feed(client);
    // d1..d5 sent the most in the last 5 minutes; d8's one late burst and old's traffic before the window do not count
    expect(names()).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    expect(legend().map((l) => l.color)).toEqual(PALETTE.slice(0, 5));
    expect(screen.getByTestId('chart-devices').textContent).toContain('Busiest devices');
  });

  it('charts the devices the user picks, bounded, and goes back to the busiest', () => {
    const { client } = renderWith(<DeviceSeries scope="" phaseMs={0} />);
    feed(client);
    const input = screen.getByLabelText('Add a device to the chart');
    const pick = (id: string) => {
      fireEvent.change(input, { target: { value: id } });
      fireEvent.keyDown(input, { key: 'Enter' });
    };
    pick('d7');
    expect(legend()).toEqual([{ name: 'd7', color: PALETTE[0] }]);
    pick('nope'); // unknown ids are not charted
    pick('old');
    expect(legend()).toEqual([
      { name: 'd7', color: PALETTE[0] },
      { name: 'old', color: PALETTE[1] },
    ]);
    for (const id of ['d1', 'd2', 'd3', 'd4', 'd5']) pick(id);
    expect(names()).toHaveLength(MAX_DEVICE_SERIES);
    expect(names()).not.toContain('d5');
    expect((input as HTMLInputElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Remove old from the chart' }));
    // the others keep their colours; the next pick takes the freed one
    expect(legendSet()).toEqual([
      { name: 'd1', color: PALETTE[2] },
      { name: 'd2', color: PALETTE[3] },
      { name: 'd3', color: PALETTE[4] },
      { name: 'd4', color: PALETTE[5] },
      { name: 'd7', color: PALETTE[0] },
    ]);
    pick('d8');
    expect(legendSet().find((l) => l.name === 'd8')?.color).toBe(PALETTE[1]);
    fireEvent.click(screen.getByRole('button', { name: 'Show the busiest' }));
    expect(names()).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
  });

  it('moves the focus on when Add, a chip or Show the busiest goes away or disables itself: to the field or a neighbouring chip', () => {
    const { client } = renderWith(<DeviceSeries scope="" phaseMs={0} />);
    feed(client);
    const input = screen.getByLabelText('Add a device to the chart') as HTMLInputElement;
    const add = screen.getByRole('button', { name: 'Add' });
    const addWithButton = (id: string) => {
      fireEvent.change(input, { target: { value: id } });
      act(() => add.focus());
      fireEvent.click(add);
    };
    // Add disables itself (the field empties): back to the field for the next one
    addWithButton('d1');
    expect(document.activeElement).toBe(input);
    for (const id of ['d2', 'd3', 'd4', 'd5']) addWithButton(id);
    // the sixth fills the chart and disables the field: its chip
    addWithButton('d6');
    expect(input.disabled).toBe(true);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove d6 from the chart' }));
    // a removed chip: the next one, or the one before at the end
    const chip = (id: string) => screen.getByRole('button', { name: `Remove ${id} from the chart` });
    act(() => chip('d3').focus());
    fireEvent.click(chip('d3'));
    expect(document.activeElement).toBe(chip('d4'));
    act(() => chip('d6').focus());
    fireEvent.click(chip('d6'));
    expect(document.activeElement).toBe(chip('d5'));
    const busiest = screen.getByRole('button', { name: 'Show the busiest' });
    act(() => busiest.focus());
    fireEvent.click(busiest);
    expect(document.activeElement).toBe(input);
  });

  it('follows the device the metrics view is scoped to', () => {
    const { client } = renderWith(<DeviceSeries scope="d6" phaseMs={0} />);
    feed(client);
    expect(legend()).toEqual([{ name: 'd6', color: PALETTE[0] }]);
  });
});

describe('per-device live chart without devices', () => {
  it('offers no device to add until there is one', () => {
    const { client } = renderWith(<DeviceSeries scope="" phaseMs={0} />);
    const input = screen.getByLabelText('Add a device to the chart') as HTMLInputElement;
    expect(input.disabled).toBe(true);
    expect(input.placeholder).toBe('No devices yet');
    act(() => void client.emit({ devices: [fakeDevice('d1')] }));
    expect(input.disabled).toBe(false);
  });
});
