// [Marketplace] in a real browser, end to end: a partner crew is set up with `helio partners`
// and publishes its area and a day; a visitor gets a quote on the landing page's calculator,
// is asked to log in to order, signs up, orders the quoted system (a double-clicked submit is
// still one order), pays the deposit with the dev provider's token and books the crew's day;
// the crew sees the offer without the street, accepts it, sees the address, reports the survey
// and the installation; support sign the inspection off; the customer pays the balance and
// rates the crew; after completion the crew no longer sees the address.
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

const customer = { name: 'Marta Soler', email: 'marta.soler@example.com', password: 'terraced vines above the river' };
const installer = { email: 'pep.teulada@solteula.example', password: 'ladders and harnesses checked' };
const agent = { email: 'nuria.pla@helio.example', password: 'a support passphrase for nuria' };

/** Sets a password through a mailed or printed welcome link and enrols an authenticator app. */
async function welcome(page, token, person) {
  await page.goto(`${helio.url}/welcome?token=${token}`);
  await page.fill('#password', person.password);
  await page.click('button[type=submit]');
  await logInWithPassword(helio, page, person);
  await page.waitForURL(`${helio.url}/mfa/enrol`);
  await page.fill('#code', totp((await page.textContent('#totp-secret')).trim()));
  await page.click('form[action="/mfa/enrol"] button');
}

/** The day after tomorrow, as the crew publishes it and the customer books it. */
function inTwoDays() {
  return new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
}

test('sys_1, sys_2: quote, order once, pay, book; the crew accepts and installs; balance and rating', async () => {
  // The operator adds a partner company and crew and invites an installer into it.
  // Each command prints the new ID as its last line of output (after its JSON log lines).
  const lastLine = (out) => out.trim().split('\n').pop();
  const company = lastLine(await helio.cli(['partners', 'add-company', '--name', 'Sol i Teula S.L.']));
  const crew = lastLine(await helio.cli(['partners', 'add-crew', '--company', company, '--name', 'Equip Centre']));
  await helio.cli(['partners', 'invite-installer', '--crew', crew, '--email', installer.email, '--name', 'Pep Teulada']);
  const invitation = await helio.nextMail('installer_invitation', installer.email);
  const crewContext = await browser.newContext();
  const crewPage = await crewContext.newPage();
  await welcome(crewPage, invitation.body.match(/welcome\?token=([A-Za-z0-9_-]{43})/)[1], installer);
  await crewPage.goto(`${helio.url}/jobs`);
  await crewPage.fill('#area-provinces', '28');
  await crewPage.click('form[action="/jobs/area"] button');
  await crewPage.fill('#capacity-day', inTwoDays());
  await crewPage.fill('#capacity-jobs', '2');
  await crewPage.click('form[action="/jobs/capacity"] button');
  assert.match(await crewPage.textContent('[data-crew-area]'), /Madrid/);

  const context = await browser.newContext();
  const page = await context.newPage();
  // The landing page's calculator.
  await page.goto(helio.url);
  await page.fill('#landing-postal', '28013');
  await page.fill('#landing-kwh', '350');
  await page.fill('#landing-roof', '40');
  await page.click('[data-landing-quote] button');
  assert.equal((await page.textContent('[data-quote-panels]')).trim(), '7 panels, 3.01 kWp');
  assert.equal((await page.textContent('[data-quote-price]')).trim(), '€3,612');

  // Ordering needs an account: the order link leads to the login page.
  await page.click('[data-order-link]');
  await page.waitForURL(/\/login/);
  await signUpAndConfirm(helio, page, customer);
  await logInWithPassword(helio, page, customer);
  await page.waitForURL(`${helio.url}/account`);
  await page.click('a[href="/orders"]');
  await page.click('a[href="/orders/new"]');
  await page.fill('#order-street', 'Calle del Pez 12');
  await page.fill('#order-postal', '28004');
  await page.fill('#order-city', 'Madrid');
  await page.fill('#order-kwh', '350');
  await page.fill('#order-roof', '40');
  // An impatient double click sends the form twice: one order (the form's idempotency key).
  await page.dblclick('form[action="/orders"] button');
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
  const orderUrl = page.url();
  assert.equal((await page.textContent('[data-order-state]')).trim(), 'Priced, waiting for the deposit');
  await page.goto(`${helio.url}/orders`);
  assert.equal(await page.locator('[data-orders] li[data-order]').count(), 1);

  // A declined card changes nothing; the dev provider's token pays the deposit.
  await page.goto(orderUrl);
  await page.fill('#deposit-token', 'tok_decline_test');
  await page.click('[data-deposit-form] button');
  assert.match(await page.content(), /declined/);
  await page.goto(orderUrl);
  await page.fill('#deposit-token', 'tok_visa_test');
  await page.click('[data-deposit-form] button');
  await page.waitForURL(orderUrl);
  assert.equal((await page.textContent('[data-order-state]')).trim(), 'Ordered');
  assert.equal((await page.textContent('[data-order-paid]')).trim(), '€722.40');
  const timeline = await page.textContent('[data-timeline]');
  assert.match(timeline, /Priced, waiting for the deposit[\s\S]*Ordered/);

  // The customer books the crew's day; the crew is offered the job, without the street.
  await page.selectOption('#book-day', inTwoDays());
  await page.click('[data-book-form] button');
  await page.waitForURL(orderUrl);
  assert.equal((await page.textContent('[data-order-state]')).trim(), 'Installation day booked');
  await crewPage.goto(`${helio.url}/jobs`);
  const offers = await crewPage.textContent('[data-offers]');
  assert.match(offers, /Madrid/);
  assert.doesNotMatch(await crewPage.content(), /Calle del Pez/);

  // The crew accepts: now it sees the address, and reports the survey and the installation.
  await crewPage.click('[data-offers] form[action$="/accept"] button');
  await crewPage.waitForURL(/\/jobs\/work\/[0-9a-f-]{36}$/);
  const jobUrl = crewPage.url();
  assert.match(await crewPage.textContent('[data-job-site]'), /Calle del Pez 12, 28004/);
  await crewPage.click('[data-survey-form] button');
  await crewPage.waitForURL(jobUrl);
  assert.equal((await crewPage.textContent('[data-job-state]')).trim(), 'Roof surveyed');
  await crewPage.click('[data-install-form] button');
  await crewPage.waitForURL(jobUrl);
  assert.equal((await crewPage.textContent('[data-job-state]')).trim(), 'Panels installed');

  // Support sign the inspection off from the customer's record.
  const printed = await helio.cli(['staff', 'create', '--email', agent.email, '--name', 'Núria Pla', '--role', 'support']);
  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  await welcome(agentPage, printed.match(/welcome\?token=([A-Za-z0-9_-]{43})/)[1], agent);
  await agentPage.goto(`${helio.url}/staff/customers`);
  await agentPage.fill('#q', customer.email);
  await agentPage.click('form[action="/staff/customers/search"] button');
  await agentPage.click('table.records a');
  await agentPage.fill('[data-inspect-form] input[name=reason]', 'inspection report IR-7781');
  await agentPage.click('[data-inspect-form] button');
  assert.match(await agentPage.textContent('[data-customer-orders]'), /Installation inspected/);

  // The customer pays the balance and rates the crew, once.
  await page.goto(orderUrl);
  await page.fill('#balance-token', 'tok_visa_test');
  await page.click('[data-balance-form] button');
  await page.waitForURL(orderUrl);
  assert.equal((await page.textContent('[data-order-state]')).trim(), 'Completed');
  assert.equal((await page.textContent('[data-order-paid]')).trim(), '€3612.00');
  await page.selectOption('#rating-stars', '5');
  await page.click('[data-rating-form] button');
  await page.waitForURL(orderUrl);
  assert.match(await page.textContent('[data-rated]'), /5 of 5/);
  assert.equal(await page.locator('[data-rating-form]').count(), 0, 'rated once');
  assert.match(await page.textContent('[data-timeline]'), /A crew took the job[\s\S]*Roof surveyed[\s\S]*Panels installed[\s\S]*Installation inspected[\s\S]*Completed/);

  // The job is done: the crew keeps it on its board, without the address.
  await crewPage.goto(jobUrl);
  assert.equal((await crewPage.textContent('[data-job-state]')).trim(), 'Completed');
  assert.equal(await crewPage.locator('[data-job-site]').count(), 0);
  assert.doesNotMatch(await crewPage.content(), /Calle del Pez/);
  await Promise.all([context.close(), crewContext.close(), agentContext.close()]);
});
