/** Shared by the Electron suites: a relay registered through the page's own API bridge, seen and toggled. */
import { expect, type Page } from '@playwright/test';
import { startSim, type Sim } from '../fixtures/sim';

type Bridge = Record<string, (p: object) => Promise<Record<string, unknown>>>;

/**
 * Creates the device's token through window.hypertcp, starts the simulator (handed to `started` at
 * once, so the caller can stop it even when an expectation fails), and toggles relay1 in the UI.
 */
export async function relayAppearsAndToggles(page: Page, id: string, started: (sim: Sim) => void, tcpPort?: number): Promise<void> {
  const reply = await page.evaluate(async (device) => {
    const api = (window as unknown as { hypertcp: Bridge }).hypertcp;
    const created = await api['tokens.create']!({ id: device });
    const hello = await api.hello!({});
    return { token: created.token as string, tcpPort: hello.tcpPort as number };
  }, id);
  const sim = startSim(tcpPort ?? reply.tcpPort, [{ kind: 'relay', id, token: reply.token }]);
  started(sim);
  await expect(page.getByTestId(`device-row-${id}`)).toBeVisible();
  await expect(page.getByTestId(`device-online-${id}`)).toHaveText('online');
  const toggle = page.getByTestId(`control-${id}-relay1`);
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('data-status', 'confirmed');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  // The device really got the command (and answered with the state the UI shows).
  await sim.out.waitFor(new RegExp(`^${id} message from server .*relay1`));
}
