// [Sessions] in a real browser: the inactivity warning and its keep-alive, the timer's logout
// on the server (SM-9), logout when the last tab closes (SM-10), what the pages keep in the
// browser (SM-11), logout from every signed-in page (SM-20) and a forged cross-site post
// against a signed-in session (DS-3). Each server runs with short limits so the timers run
// out within the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { logInWithPassword, signUpAndConfirm, startBrowser, startHelio } from './support/helio.mjs';

let browser;
const servers = [];

before(async () => {
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  for (const helio of servers) await helio.stop();
});

async function server(settings) {
  const helio = await startHelio(settings);
  servers.push(helio);
  return helio;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const events = (helio, name) => helio.logs.filter((l) => l.target === 'helio::security' && l.event === name);

/** What the page keeps in the browser that a script could read. */
const browserState = (page) =>
  page.evaluate(() => ({
    cookies: document.cookie,
    local: Object.keys(localStorage),
    session: Object.fromEntries(Object.entries(sessionStorage)),
  }));

test('sm_9, sm_11, sm_20: the page warns before the idle limit, "Stay signed in" extends, and the timer logs out on the server', async () => {
  // 20 s idle for customers, a warning 10 s before the end (the script ends 3 s early).
  const helio = await server({ HELIO_SESSIONS_IDLE_SECS: '20', HELIO_SESSIONS_WARN_BEFORE_SECS: '10' });
  const person = { name: 'Clara Vidal', email: 'clara.vidal@example.com', password: 'tidal mosaics under a grey pier' };
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUpAndConfirm(helio, page, person);
  await logInWithPassword(helio, page, person);
  await page.waitForURL(`${helio.url}/account`);
  const loaded = Date.now();

  // SM-20: logout in the header of the signed-in page; SM-11: nothing readable kept.
  assert.ok(await page.isVisible('header form[data-session-logout] button'));
  assert.deepEqual(await browserState(page), { cookies: '', local: [], session: {} });

  // The warning shows before the idle limit, with a countdown.
  await page.waitForSelector('[data-session-warning]:not([hidden])', { timeout: 15_000 });
  const warnedAfter = Date.now() - loaded;
  assert.ok(warnedAfter >= 5_000 && warnedAfter < 12_000, `warned after ${warnedAfter} ms`);
  assert.match(await page.textContent('[data-session-countdown]'), /^0:\d\d$/);
  await page.click('[data-session-stay]');
  await page.waitForSelector('[data-session-warning]', { state: 'hidden' });
  const keptAt = Date.now();
  assert.equal(events(helio, 'session_kept_alive').length, 1);

  // Past the original end (20 s after the page loaded) the page is still signed in.
  await sleep(Math.max(0, loaded + 21_000 - Date.now()));
  assert.equal(page.url(), `${helio.url}/account`);

  // Left alone, the timer posts the logout itself and lands on the login page, which says why.
  await page.waitForURL(`${helio.url}/login?signed_out=inactivity`, { timeout: 30_000 });
  const endedAfter = Date.now() - keptAt;
  assert.ok(endedAfter >= 14_000 && endedAfter < 22_000, `ended ${endedAfter} ms after the keep-alive`);
  assert.match(await page.textContent('.notice'), /signed out because nothing happened/);
  // The server ended the session as an inactivity logout: it was still live when the timer
  // ran out, so the keep-alive had really extended it past its first 20 seconds.
  assert.equal(events(helio, 'session_ended').at(-1)?.reason, 'inactivity_logout');
  assert.equal((await context.cookies()).find((c) => c.name === '__Host-helio'), undefined);
  assert.deepEqual(await browserState(page), { cookies: '', local: [], session: {} });
  await page.goto(`${helio.url}/account`);
  await page.waitForURL(`${helio.url}/login`);
  await context.close();
});

test('sm_10, sm_11: with logout-on-close, closing the last tab ends the session; links, reloads and other tabs do not', async () => {
  const helio = await server({ HELIO_SESSIONS_LOGOUT_ON_CLOSE: 'true' });
  const person = { name: 'Marc Soler', email: 'marc.soler@example.com', password: 'orchards folded into the valley' };
  const context = await browser.newContext();
  const first = await context.newPage();
  await signUpAndConfirm(helio, first, person);
  await logInWithPassword(helio, first, person);
  await first.waitForURL(`${helio.url}/account`);
  assert.equal(await first.getAttribute('body', 'data-session-close-on-exit'), '');

  // Following a link and reloading are not closing.
  await first.click('a[href="/mfa/enrol"]');
  await first.waitForURL(`${helio.url}/mfa/enrol`);
  await first.reload();
  // SM-11: the one thing kept in the tab across the reload was the navigation fact, now spent.
  await sleep(2_000);
  assert.deepEqual((await browserState(first)).session, {});
  const second = await context.newPage();
  await second.goto(`${helio.url}/account`);
  assert.equal(second.url(), `${helio.url}/account`);

  // Closing one of two tabs: the other says it is still open.
  await first.close({ runBeforeUnload: true });
  await sleep(17_000);
  await second.goto(`${helio.url}/account`);
  assert.equal(second.url(), `${helio.url}/account`, 'still signed in: another tab was open');
  assert.ok(events(helio, 'session_closing').length >= 2, 'the reload and the closed tab announced it');

  // Closing the last tab ends the session once the grace period is over.
  await second.close({ runBeforeUnload: true });
  await sleep(17_000);
  const third = await context.newPage();
  await third.goto(`${helio.url}/account`);
  await third.waitForURL(`${helio.url}/login`);
  await context.close();
});

test('ds_3: a cross-site form cannot log a signed-in browser out or end its other sessions', async () => {
  const helio = await server({});
  const person = { name: 'Iker Prat', email: 'iker.prat@example.com', password: 'kestrels over the salt marsh' };
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUpAndConfirm(helio, page, person);
  await logInWithPassword(helio, page, person);
  await page.waitForURL(`${helio.url}/account`);
  for (const action of ['/logout', '/account/sessions/end-others']) {
    const attacker = await context.newPage();
    const attack = `<form id=f method=post action="${helio.url}${action}"></form>
      <script>document.getElementById('f').submit()</script>`;
    const response = attacker.waitForResponse((r) => r.url() === `${helio.url}${action}`);
    await attacker.goto(`data:text/html,${encodeURIComponent(attack)}`);
    assert.equal((await response).status(), 403, action);
    await attacker.close();
  }
  await page.goto(`${helio.url}/account`);
  assert.equal(page.url(), `${helio.url}/account`, 'still signed in');
  await context.close();
});
