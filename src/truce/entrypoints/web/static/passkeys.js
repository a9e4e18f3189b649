// Passkeys (WebAuthn) for the forms marked data-passkey="register" or data-passkey="sign-in".
// Served from this origin (the Content-Security-Policy allows no inline script). The server
// gives the options as JSON with binary fields in base64url; the browser's API wants
// ArrayBuffers, and its answer goes back in base64url inside an ordinary form field, so the
// server sees a plain form post with its CSRF token.
"use strict";

(function () {
  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    if (!buffer) {
      return null;
    }
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBytes(item.id) });
    });
  }

  function creationOptions(json) {
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      allowCredentials: withIds(json.allowCredentials),
    });
  }

  function answer(credential) {
    const response = credential.response;
    const out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      out.response.userHandle = toText(response.userHandle);
    }
    return JSON.stringify(out);
  }

  function say(form, text) {
    const status = form.querySelector("[data-passkey-status]");
    if (status) {
      status.textContent = text;
    }
  }

  async function options(form) {
    const token = form.querySelector('input[name="_csrf_token"]');
    const reply = await fetch(form.dataset.options, {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-csrftoken": token ? token.value : "", accept: "application/json" },
    });
    const body = await reply.json();
    if (!reply.ok) {
      throw new Error(body.detail || "the server refused");
    }
    return body;
  }

  async function run(form) {
    const registering = form.dataset.passkey === "register";
    say(form, registering ? "Follow your browser's prompt to create the passkey…" : "Follow your browser's prompt to use your passkey…");
    const json = await options(form);
    const credential = registering
      ? await navigator.credentials.create({ publicKey: creationOptions(json) })
      : await navigator.credentials.get({ publicKey: requestOptions(json) });
    form.querySelector('input[name="response"]').value = answer(credential);
    say(form, "Checking…");
    form.submit();
  }

  function start() {
    const forms = document.querySelectorAll("form[data-passkey]");
    const supported = typeof window.PublicKeyCredential === "function";
    forms.forEach(function (form) {
      if (!supported) {
        say(form, "This browser cannot use passkeys.");
        return;
      }
      form.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        run(form).catch(function (error) {
          say(form, "The passkey was not used: " + (error && error.message ? error.message : error));
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
