// [Marketplace] in a real browser, as far as it is built: a visitor gets a quote on the
// landing page's calculator, is asked to log in to order, signs up, orders the quoted system
// (a double-clicked submit is still one order), pays the deposit with the dev provider's token,
// and follows the order's timeline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { logInWithPassword, signUpAndConfirm, startBrowser, startHelio } from './support/helio.mjs';

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

test('sys_1, sys_2: quote, sign up, order once, pay the deposit, follow the timeline', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(helio.url);
  await page.click('a[href="/quote"]');
  await page.fill('#quote-postal', '28013');
  await page.fill('#quote-kwh', '350');
  await page.fill('#quote-roof', '40');
  await page.click('form[action="/quote"] button');
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
  await context.close();
});
