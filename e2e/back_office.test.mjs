// [Access] in a real browser: a support agent, invited with `helio staff create`, sets a
// password, enrols an authenticator app, finds a customer by email, sees the contact data
// masked, reveals it with a reason, locks the account, and sees each step in the record's
// audit trail; the locked customer can no longer log in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { logInWithPassword, signUpAndConfirm, startBrowser, startHelio } from './support/helio.mjs';
import { totp } from './support/totp.mjs';

let helio;
let browser;

before(async () => {
  helio = await startHelio();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await helio?.stop();
});

const customer = { name: 'Rosa Camps', email: 'rosa.camps@example.com', password: 'poppies along the railway line' };
const agent = { email: 'jordi.vila@helio.example', password: 'a support passphrase for jordi' };

test('ac_3: support finds a customer, reveals the contact data with a reason and locks the account', async () => {
  const customerContext = await browser.newContext();
  const customerPage = await customerContext.newPage();
  await signUpAndConfirm(helio, customerPage, customer);

  // The operator invites the agent; the agent chooses a password and enrols an app.
  const printed = await helio.cli(['staff', 'create', '--email', agent.email, '--name', 'Jordi Vila', '--role', 'support']);
  const token = printed.match(/welcome\?token=([A-Za-z0-9_-]{43})/)[1];
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${helio.url}/welcome?token=${token}`);
  await page.fill('#password', agent.password);
  await page.click('button[type=submit]');
  await logInWithPassword(helio, page, agent);
  await page.waitForURL(`${helio.url}/mfa/enrol`);
  await page.fill('#code', totp((await page.textContent('#totp-secret')).trim()));
  await page.click('form[action="/mfa/enrol"] button');
  await page.click('a[href="/account"]');
  await page.waitForURL(`${helio.url}/account`);

  // Find the customer: masked contact data only.
  await page.click('a[href="/staff/customers"]');
  await page.fill('#q', customer.email);
  await page.click('form[action="/staff/customers/search"] button');
  const results = await page.textContent('table.records');
  assert.match(results, /Rosa Camps/);
  assert.match(results, /r\*\*\*@e\*\*\*\.com/);
  assert.doesNotMatch(await page.content(), /rosa\.camps@example\.com/);
  await page.click('table.records a');
  assert.doesNotMatch(await page.content(), /rosa\.camps@example\.com/);

  // Reveal with a reason: the full address, for this one view.
  await page.fill('#reveal-reason', 'ticket 812: customer asked to confirm the address');
  await page.click('form[action$="/reveal"] button');
  assert.match(await page.textContent('[data-revealed]'), /rosa\.camps@example\.com/);
  await page.click('text=Back to the record');
  assert.doesNotMatch(await page.content(), /rosa\.camps@example\.com/, 'the reveal was for one view');

  // Lock: the audit trail shows the reveal and the lock with their reasons.
  await page.fill('#lock-reason', 'ticket 813: suspected account takeover');
  await page.click('form[action$="/lock"] button');
  assert.match(await page.textContent('[data-account-status]'), /locked/);
  const trail = await page.textContent('[data-audit-trail]');
  assert.match(trail, /personal_data_revealed[\s\S]*ticket 812/);
  assert.match(trail, /account_locked[\s\S]*ticket 813/);
  assert.match(trail, /customer_viewed/);

  // The customer is out.
  await logInWithPassword(helio, customerPage, customer);
  assert.match(await customerPage.textContent('.alert'), /not right/);
  await customerContext.close();
  await context.close();
});
