import { expect, screenshot, test, uid } from './fixtures/test';

test('sends a saved command with variables to one device', async ({ page, lab }) => {
  const a = uid('desk');
  const b = uid('fan');
  const sim = await lab.devices([{ kind: 'relay', id: a }, { kind: 'relay', id: b }]);
  await lab.open(page);
  await page.getByTestId('nav-commands').click();
  await page.getByLabel('Target device').selectOption(a);

  // a built-in variable, filled in by the host (saved.run)
  const name1 = uid('whoami');
  await page.getByTestId('command-payload').fill('{"cmd":"whoami","me":"{{device}}"}');
  await page.getByLabel('Saved command name').fill(name1);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId(`run-saved-${name1}`).click();
  await sim.out.waitFor(new RegExp(`^${a} .*from server .*"me":"${a}"`));

  // an own variable: the UI asks for its value
  const name2 = uid('greet');
  await page.getByTestId('command-payload').fill('{"cmd":"greet","text":"{{greeting}}","to":"{{device}}"}');
  await page.getByLabel('Saved command name').fill(name2);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId(`run-saved-${name2}`).click();
  await page.getByLabel('Variable greeting').fill('hello "lab"');
  await page.getByRole('button', { name: `Send to ${a}` }).last().click();
  await sim.out.waitFor(new RegExp(`^${a} .*from server .*"text":"hello \\\\"lab\\\\"","to":"${a}"`));
  expect(sim.out.count(new RegExp(`^${b} .*"cmd":"greet"`))).toBe(0);
  await expect(page.getByTestId('command-history')).toContainText('greet');
  await screenshot(page, 'commands');
});

test('broadcasts after a recipients preview and every online device receives it', async ({ page, lab }) => {
  const ids = [uid('b1'), uid('b2'), uid('b3')];
  const sim = await lab.devices(ids.map((id) => ({ kind: 'relay' as const, id })));
  await lab.open(page);
  await page.getByTestId('nav-commands').click();
  const marker = uid('hello-all');
  await page.getByTestId('command-payload').fill(`{"cmd":"notice","marker":"${marker}"}`);
  await page.getByTestId('broadcast-button').click();
  const dialog = page.getByTestId('broadcast-dialog');
  for (const id of ids) await expect(dialog.getByTestId('broadcast-recipients')).toContainText(id);
  await screenshot(page, 'broadcast-confirm');
  await dialog.getByTestId('broadcast-confirm').click();
  await Promise.all(ids.map((id) => sim.out.waitFor(new RegExp(`^${id} .*${marker}`))));
  await expect(page.getByTestId('notice-info').filter({ hasText: 'Broadcast delivered' })).toBeVisible();
});
