// [Accounts] in a real browser: sign up, confirm the address from the dev outbox, log in,
// check the session cookie as the browser holds it, log out, log back in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, startHelio } from './support/helio.mjs';
import { nextStep, totp } from './support/totp.mjs';

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

const person = {
  name: 'Aitana Ruiz',
  email: 'aitana.ruiz@example.com',
  password: 'copper kites above the river delta',
};

test('sign up, confirm, log in, enrol TOTP, log out and back in with a code', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();

  await page.goto(`${helio.url}/signup`);
  await page.fill('#name', person.name);
  await page.fill('#email', person.email);
  await page.fill('#password', 'password1234567');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('.field-error'), /common password/);

  await page.fill('#password', person.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${helio.url}/signup/sent`);
  assert.match(await page.textContent('h1'), /Check your email/);

  const mail = await helio.nextMail('verify_email', person.email);
  const link = mail.body.match(/(http:\/\/\S+?\/verify-email\?token=[A-Za-z0-9_-]{43})/)[1];
  await page.goto(link);
  await page.click('button[type=submit]');
  assert.match(await page.textContent('h1'), /Email address confirmed/);

  await page.goto(`${helio.url}/login`);
  await page.fill('#email', person.email);
  await page.fill('#password', 'copper kites above the river deltA');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('.alert'), /not right/);

  await page.fill('#password', person.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${helio.url}/account`);
  assert.match(await page.textContent('.facts'), new RegExp(person.name));

  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === '__Host-helio');
  assert.ok(session, 'the browser holds the session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true);
  assert.equal(session.sameSite, 'Lax');
  assert.equal(session.path, '/');
  assert.equal(session.expires, -1, 'a session cookie, gone with the browser');
  assert.equal(await page.evaluate(() => document.cookie), '', 'no script can read it');

  await page.click('a[href="/mfa/enrol"]');
  await page.waitForURL(`${helio.url}/mfa/enrol`);
  assert.ok(await page.isVisible('.qr svg'), 'the QR code is drawn on the page');
  const secret = (await page.textContent('#totp-secret')).trim();
  await page.fill('#code', totp(secret));
  await page.click('form[action="/mfa/enrol"] button');
  const codes = await page.$$eval('.codes code', (nodes) => nodes.map((n) => n.textContent));
  assert.equal(codes.length, 10, 'ten recovery codes are shown once');

  await page.goto(`${helio.url}/account`);
  assert.match(await page.textContent('.facts'), /On \(authenticator app\)/);
  await page.click('form[action="/logout"] button');
  await page.waitForURL(`${helio.url}/login`);
  assert.equal((await context.cookies()).find((c) => c.name === '__Host-helio'), undefined);
  await page.goto(`${helio.url}/account`);
  await page.waitForURL(`${helio.url}/login`);

  await page.fill('#email', person.email);
  await page.fill('#password', person.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${helio.url}/mfa`);
  await nextStep();
  await page.fill('#code', totp(secret));
  await page.click('form[action="/mfa"] button');
  await page.waitForURL(`${helio.url}/account`);
  await context.close();
});

test('a form posted from another site is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // A page on another origin (a data: URL is an opaque origin) auto-submitting to Helio.
  const attack = `<form id=f method=post action="${helio.url}/signup">
    <input name=name value=Mallory><input name=email value=m@example.com>
    <input name=password value="a long enough password here"></form>
    <script>document.getElementById('f').submit()</script>`;
  const response = page.waitForResponse((r) => r.url() === `${helio.url}/signup`);
  await page.goto(`data:text/html,${encodeURIComponent(attack)}`);
  assert.equal((await response).status(), 403);
  await context.close();
});
