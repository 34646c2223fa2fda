// Starts a real `helio serve` (dev mode, fresh temporary directory, random port) and a headless
// Chromium for browser tests. The dev-mode mail sender writes each message to the JSON log on
// stdout; `nextMail` reads it from there, as a developer would.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(import.meta.dirname, '../../target');
const binary = process.env.HELIO_BIN ?? join(targetDir, 'debug', 'helio');

/** Starts `helio serve`; `settings` adds HELIO_* variables (e.g. shorter session limits). */
export async function startHelio(settings = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'helio-e2e-'));
  const child = spawn(binary, ['serve'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HELIO_SERVER_BIND: '127.0.0.1:0', HELIO_SERVER_METRICS_BIND: '127.0.0.1:0', ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [];
  createInterface({ input: child.stdout }).on('line', (line) => logs.push(JSON.parse(line)));
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('helio did not start within 20 s')), 20_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      const match = line.match(/^Helio is listening on (http:\/\/\S+?)\/?$/);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`helio exited early with ${code}`)));
  });
  return {
    url,
    logs,
    /** Runs a `helio` operator command against this server's database and keys. */
    async cli(args) {
      const run = spawn(binary, args, { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      run.stdout.on('data', (chunk) => { out += chunk; });
      run.stderr.on('data', (chunk) => { err += chunk; });
      const code = await new Promise((r) => run.on('exit', r));
      if (code !== 0) throw new Error(`helio ${args.join(' ')} exited with ${code}: ${err}`);
      return out;
    },
    async nextMail(kind, to, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const mail = logs.find((l) => l.target === 'helio::dev_mail' && l.kind === kind && l.to === to && !l.seen);
        if (mail) {
          mail.seen = true;
          // The log escapes control characters as \u{..}; links never contain them.
          return mail;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no ${kind} mail for ${to}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** Signs `person` up through the pages and confirms the address with the mailed link. */
export async function signUpAndConfirm(helio, page, person) {
  await page.goto(`${helio.url}/signup`);
  await page.fill('#name', person.name);
  await page.fill('#email', person.email);
  await page.fill('#password', person.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${helio.url}/signup/sent`);
  const mail = await helio.nextMail('verify_email', person.email);
  await page.goto(mail.body.match(/(http:\/\/\S+?\/verify-email\?token=[A-Za-z0-9_-]{43})/)[1]);
  await page.click('button[type=submit]');
  if (!/Email address confirmed/.test(await page.textContent('h1'))) {
    throw new Error('the address was not confirmed');
  }
}

/** Logs `person` in with their password from the login page. */
export async function logInWithPassword(helio, page, person) {
  await page.goto(`${helio.url}/login`);
  await page.fill('#email', person.email);
  await page.fill('#password', person.password);
  await page.click('button[type=submit]');
}
