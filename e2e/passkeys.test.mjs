// Passkeys in a real browser (AU-1): Chromium's virtual authenticator (a platform
// authenticator with user verification, through the DevTools WebAuthn domain) stands in for
// a phone or laptop. Add a passkey from the account page, log in with it and no password,
// then use it as the second step after a password.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  logInWithPassword as logInAs,
  signUpAndConfirm as signUpAndConfirmAs,
  startBrowser,
  startHelio,
} from './support/helio.mjs';

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
  name: 'Bruno Ferrer',
  email: 'bruno.ferrer@example.com',
  password: 'lanterns drifting past the old mill',
};

const signUpAndConfirm = (page) => signUpAndConfirmAs(helio, page, person);
const logInWithPassword = (page) => logInAs(helio, page, person);

async function logOut(page) {
  await page.click('form[action="/logout"] button');
  await page.waitForURL(`${helio.url}/login`);
}

test('add a passkey, log in with it alone, then use it as the second step', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const devtools = await context.newCDPSession(page);
  await devtools.send('WebAuthn.enable');
  const { authenticatorId } = await devtools.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  await signUpAndConfirm(page);
  await logInWithPassword(page);
  await page.waitForURL(`${helio.url}/account`);
  assert.match(await page.textContent('main'), /No passkeys yet/);

  await page.click('button[data-passkey="register"]');
  await page.waitForSelector('[data-passkey-codes]:not([hidden])');
  const codes = await page.$$eval('[data-passkey-code-list] code', (nodes) => nodes.map((n) => n.textContent));
  assert.equal(codes.length, 10, 'the first second factor comes with ten recovery codes');
  const { credentials } = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].isResidentCredential, true, 'kept on the device for passwordless login');
  assert.equal(credentials[0].rpId, 'localhost');
  const notice = await helio.nextMail('passkey_added', person.email);
  assert.match(notice.subject, /passkey was added/);

  await page.goto(`${helio.url}/account`);
  assert.match(await page.textContent('.passkeys'), /Passkey added/);
  assert.match(await page.textContent('.facts'), /On \(passkey\)/);
  const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length]);
  assert.deepEqual(stored, [0, 0], 'nothing is kept in browser storage');
  await logOut(page);

  await page.click('button[data-passkey="login"]');
  await page.waitForURL(`${helio.url}/account`);
  assert.match(await page.textContent('.facts'), new RegExp(person.name));
  await logOut(page);

  await logInWithPassword(page);
  await page.waitForURL(`${helio.url}/mfa`);
  await page.click('button[data-passkey="second-factor"]');
  await page.waitForURL(`${helio.url}/account`);
  const after = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
  assert.ok(after.credentials[0].signCount >= 2, 'each use signed a fresh challenge');

  await logOut(page);
  await devtools.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  await context.close();
});
