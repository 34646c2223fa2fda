// The session script, on every page (SM-9, SM-10, SM-11).
//
// On a signed-in page (its body carries data-session-idle) it keeps an inactivity timer in
// step with the server's idle limit, warns before the end with a "Stay signed in" keep-alive,
// and when time runs out posts the page's logout form, so the server ends the session and the
// browser lands on the login page. Typing or clicking on the page (a long form) keeps the
// session alive by itself; tabs of the same session share their timers. With logout-on-close
// on, a page that closes without moving on within Helio tells the server, which ends the
// session unless another page of it speaks up within seconds (reload, another tab).
//
// Storage: sessionStorage only (one tab's), only a navigation fact (this tab's previous page
// announced it was closing), and cleared on every page without a session. Nothing is ever
// written to localStorage or to a cookie the page can read.
'use strict';

(() => {
  const body = document.body;
  const CLOSING = 'helio.closing';
  const storage = (() => {
    try {
      return window.sessionStorage;
    } catch {
      return null;
    }
  })();

  const idleSecs = Number(body.dataset.sessionIdle);
  if (!(idleSecs > 0)) {
    // No session on this page (login, sign-up, reset...): nothing of one stays in the tab.
    storage?.clear();
    try {
      window.localStorage.clear();
    } catch {
      // Storage refused by the browser: there is nothing to clear either.
    }
    return;
  }

  // End a little before the server would (its last-seen time may lag a little behind this
  // page's last contact), so that the logout is still this session's to make and is recorded
  // as an inactivity logout rather than refused as expired.
  const MARGIN_MS = Number(body.dataset.sessionMargin) || 3000;
  const logoutForm = document.querySelector('[data-session-logout]');
  const warning = document.querySelector('[data-session-warning]');
  const countdown = document.querySelector('[data-session-countdown]');
  const limitNotice = document.querySelector('[data-session-limit]');
  const stay = document.querySelector('[data-session-stay]');
  const leave = document.querySelector('[data-session-leave]');
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('helio-session') : null;

  let csrf = body.dataset.csrf || '';
  let idleMs = idleSecs * 1000;
  let absoluteEnd = Date.now() + Number(body.dataset.sessionAbsolute) * 1000;
  const warnMs = Number(body.dataset.sessionWarn) * 1000;
  // The request that rendered this page reset the server's idle clock.
  let lastContact = Date.now();
  let lastInput = 0;
  let ending = false;
  let navigating = false;
  let keepingAlive = false;

  const deadline = () => Math.min(lastContact + idleMs, absoluteEnd) - MARGIN_MS;
  const extendable = () => lastContact + idleMs < absoluteEnd;

  const leaveFor = (url) => {
    navigating = true;
    ending = true;
    window.location.assign(url);
  };

  // Posts the logout form, which ends the session on the server and lands on the login page.
  const end = (reason) => {
    if (ending || !logoutForm) return;
    ending = true;
    navigating = true;
    channel?.postMessage({ type: 'ended', reason });
    if (reason) {
      const field = document.createElement('input');
      field.type = 'hidden';
      field.name = 'reason';
      field.value = reason;
      logoutForm.append(field);
    }
    logoutForm.submit();
  };

  const contact = (at, remaining) => {
    lastContact = Math.max(lastContact, at);
    if (remaining) {
      idleMs = remaining.idle_secs * 1000;
      absoluteEnd = at + remaining.absolute_secs * 1000;
    }
  };

  const keepAlive = async () => {
    if (keepingAlive || ending) return false;
    keepingAlive = true;
    try {
      const response = await fetch('/session/keep-alive', {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
      });
      if (response.type === 'opaqueredirect' || response.status === 401) {
        // The server no longer knows this session (ended elsewhere, or expired).
        leaveFor('/login');
        return false;
      }
      if (!response.ok) return false; // Busy or unreachable: the timer goes on, try later.
      const remaining = await response.json();
      const at = Date.now();
      contact(at, remaining);
      channel?.postMessage({ type: 'contact', at, remaining });
      return true;
    } catch {
      return false;
    } finally {
      keepingAlive = false;
    }
  };

  const clock = (ms) => {
    const seconds = Math.max(0, Math.ceil(ms / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  };

  const showWarning = (left) => {
    if (!warning) return;
    if (countdown) countdown.textContent = clock(left);
    const canStay = extendable();
    if (stay) stay.hidden = !canStay;
    if (limitNotice) limitNotice.hidden = canStay;
    if (warning.hidden) {
      warning.hidden = false;
      (canStay ? stay : leave)?.focus();
    }
  };

  const hideWarning = () => {
    if (warning && !warning.hidden) warning.hidden = true;
  };

  const tick = () => {
    if (ending) return;
    const now = Date.now();
    const left = deadline() - now;
    if (left <= 0) {
      end(extendable() ? 'inactivity' : 'expired');
      return;
    }
    const warned = warning && !warning.hidden;
    // Someone is working on the page: keep the server session in step, at most every third
    // of the idle limit. Once the warning shows, only "Stay signed in" extends.
    if (!warned && lastInput > lastContact && now - lastContact >= idleMs / 3) keepAlive();
    if (left <= warnMs) showWarning(left);
    else hideWarning();
  };

  for (const type of ['keydown', 'pointerdown', 'input', 'wheel', 'touchstart']) {
    document.addEventListener(
      type,
      () => {
        lastInput = Date.now();
      },
      { passive: true, capture: true },
    );
  }
  stay?.addEventListener('click', async () => {
    if (await keepAlive()) hideWarning();
  });
  leave?.addEventListener('click', () => end());
  logoutForm?.addEventListener('submit', () => {
    navigating = true;
    ending = true;
    channel?.postMessage({ type: 'ended' });
  });

  // A step that replaced the session under this page (a passkey finishing a login) hands
  // over the new session's token and timers.
  document.addEventListener('helio:session-renewed', (event) => {
    const renewed = event.detail;
    csrf = renewed.csrf;
    body.dataset.csrf = csrf;
    for (const field of document.querySelectorAll('input[name="csrf"]')) field.value = csrf;
    for (const holder of document.querySelectorAll('[data-csrf]')) holder.dataset.csrf = csrf;
    if (logoutForm) logoutForm.action = renewed.logout_action;
    lastContact = Date.now();
    contact(lastContact, renewed);
  });

  channel?.addEventListener('message', (event) => {
    const message = event.data || {};
    if (message.type === 'contact' && typeof message.at === 'number') {
      contact(message.at, message.remaining);
      tick();
    } else if (message.type === 'ended' && !ending) {
      leaveFor(message.reason ? `/login?signed_out=${encodeURIComponent(message.reason)}` : '/login');
    } else if (message.type === 'closing') {
      // Another tab of this session closed, but this one is still open: say so, after the
      // closing tab's own beacon has had time to arrive.
      window.setTimeout(keepAlive, 1000);
    }
  });

  if (body.hasAttribute('data-session-close-on-exit')) {
    // Moving on within Helio is not closing: a followed link or a submitted form.
    document.addEventListener('click', (event) => {
      const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
      if (!link || event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      if ((link.target && link.target !== '_self') || link.origin !== window.location.origin) return;
      navigating = true;
      // A link that turns out not to navigate (a download) must not disarm the beacon for good.
      window.setTimeout(() => {
        navigating = false;
      }, 5000);
    });
    document.addEventListener(
      'submit',
      (event) => {
        const form = event.target;
        if (form instanceof HTMLFormElement && new URL(form.action, window.location.href).origin === window.location.origin) {
          navigating = true;
        }
      },
      true,
    );
    window.addEventListener('pagehide', () => {
      if (navigating) return;
      storage?.setItem(CLOSING, String(Date.now()));
      channel?.postMessage({ type: 'closing' });
      navigator.sendBeacon('/session/closing', new URLSearchParams({ csrf }));
    });
    window.addEventListener('pageshow', (event) => {
      // Back in the same tab (reload, history, or restored from the back-forward cache) after
      // this tab announced a close: cancel it.
      if (event.persisted || storage?.getItem(CLOSING)) {
        storage?.removeItem(CLOSING);
        navigating = false;
        window.setTimeout(keepAlive, 1000);
      }
    });
  }

  window.setInterval(tick, 1000);
  tick();
})();
