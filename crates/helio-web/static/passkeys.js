// Passkeys in the browser: asks Helio for WebAuthn options, hands them to the browser's
// passkey prompt, and posts the answer back with the ceremony ID. Nothing is kept in
// storage; the ceremony ID lives only in this function's variables (CR-6, SM-11).
'use strict';

(() => {
  const panels = document.querySelectorAll('[data-passkey-panel]');
  if (panels.length === 0 || !window.PublicKeyCredential || !navigator.credentials) {
    return; // No WebAuthn here: the panels stay hidden and the other ways to log in remain.
  }

  const toBytes = (text) => {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const toText = (buffer) => {
    if (!buffer) return undefined;
    let binary = '';
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };

  const creationOptions = (options) => {
    const publicKey = { ...options.publicKey };
    publicKey.challenge = toBytes(publicKey.challenge);
    publicKey.user = { ...publicKey.user, id: toBytes(publicKey.user.id) };
    publicKey.excludeCredentials = (publicKey.excludeCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) }));
    return { publicKey };
  };
  const requestOptions = (options) => {
    const publicKey = { ...options.publicKey };
    publicKey.challenge = toBytes(publicKey.challenge);
    publicKey.allowCredentials = (publicKey.allowCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) }));
    return { publicKey };
  };

  const registration = (credential) => ({
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    extensions: credential.getClientExtensionResults(),
    response: {
      attestationObject: toText(credential.response.attestationObject),
      clientDataJSON: toText(credential.response.clientDataJSON),
      transports: credential.response.getTransports ? credential.response.getTransports() : undefined,
    },
  });
  const assertion = (credential) => ({
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    extensions: credential.getClientExtensionResults(),
    response: {
      authenticatorData: toText(credential.response.authenticatorData),
      clientDataJSON: toText(credential.response.clientDataJSON),
      signature: toText(credential.response.signature),
      userHandle: toText(credential.response.userHandle),
    },
  });

  const post = async (url, body, csrf) => {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (csrf) headers['X-CSRF-Token'] = csrf;
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'error',
      headers,
      body: body === undefined ? '{}' : JSON.stringify(body),
    });
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(payload.detail || 'The passkey could not be used. Try again.');
    }
    return payload;
  };

  const flows = {
    register: {
      options: '/passkeys/register/options',
      finish: '/passkeys/register',
      prompt: (o) => navigator.credentials.create(creationOptions(o)),
      encode: registration,
    },
    'second-factor': {
      options: '/mfa/passkey/options',
      finish: '/mfa/passkey',
      prompt: (o) => navigator.credentials.get(requestOptions(o)),
      encode: assertion,
    },
    login: {
      options: '/login/passkey/options',
      finish: '/login/passkey',
      prompt: (o) => navigator.credentials.get(requestOptions(o)),
      encode: assertion,
    },
  };

  const showCodes = (panel, codes) => {
    const box = panel.querySelector('[data-passkey-codes]');
    const list = panel.querySelector('[data-passkey-code-list]');
    if (!box || !list) return false;
    for (const code of codes) {
      const item = document.createElement('li');
      const text = document.createElement('code');
      text.textContent = code;
      item.append(text);
      list.append(item);
    }
    box.hidden = false;
    return true;
  };

  for (const panel of panels) {
    const button = panel.querySelector('[data-passkey]');
    const error = panel.querySelector('[data-passkey-error]');
    const flow = button && flows[button.dataset.passkey];
    if (!flow) continue;
    panel.hidden = false;
    button.addEventListener('click', async () => {
      button.disabled = true;
      error.hidden = true;
      try {
        const csrf = panel.dataset.csrf;
        const challenge = await post(flow.options, undefined, csrf);
        const credential = await flow.prompt(challenge.options);
        if (!credential) throw new Error('No passkey was chosen.');
        const done = await post(flow.finish, { ceremony: challenge.ceremony, credential: flow.encode(credential) }, csrf);
        if (done.renewed) {
          // The session was replaced under this page: the session script takes the new one.
          document.dispatchEvent(new CustomEvent('helio:session-renewed', { detail: done.renewed }));
        }
        if (done.recovery_codes && done.recovery_codes.length > 0 && showCodes(panel, done.recovery_codes)) {
          button.hidden = true;
          return;
        }
        window.location.assign(done.next);
      } catch (failure) {
        error.textContent = failure.name === 'NotAllowedError'
          ? 'The passkey prompt was closed or timed out. Try again.'
          : failure.message;
        error.hidden = false;
        button.disabled = false;
      }
    });
  }
})();
