// Verify a record entry in this browser, trusting nothing the server computed.
//
// For the entry's button: fetch its proof bundle, hash the entry bytes as an RFC 9162 leaf
// (SHA-256 of 0x00 || entry), climb the inclusion proof (SHA-256 of 0x01 || left || right) to
// a root, and compare it with the root in the signed checkpoint. Where the browser has
// Ed25519 in WebCrypto, the checkpoint's signature is checked against the log key too
// (c2sp.org/signed-note). Served from this origin: the Content-Security-Policy allows no
// inline script.
"use strict";

(function () {
  const encoder = new TextEncoder();

  async function sha256(...parts) {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    const joined = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
  }

  function fromHex(text) {
    if (!/^([0-9a-f]{2})*$/.test(text)) throw new Error("proof element is not hex");
    const bytes = new Uint8Array(text.length / 2);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(text.substr(i * 2, 2), 16);
    return bytes;
  }

  function fromBase64(text) {
    const raw = atob(text);
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function equal(a, b) {
    return a.length === b.length && a.every((value, i) => value === b[i]);
  }

  const LEAF = new Uint8Array([0]);
  const NODE = new Uint8Array([1]);

  // RFC 9162 section 2.1.3.2, with arithmetic instead of 32-bit bit operators.
  async function rootFromInclusionProof(leaf, index, size, proof) {
    if (index >= size) return null;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of proof) {
      if (p.length !== 32 || sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(NODE, p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await sha256(NODE, r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  // The checkpoint note: "origin\nsize\nroot\n[extensions]\n\n— name base64(keyid||sig)\n...".
  function parseNote(note) {
    const split = note.lastIndexOf("\n\n");
    if (split < 0) throw new Error("checkpoint has no signatures");
    const body = note.slice(0, split + 1);
    const lines = body.split("\n");
    const signatures = note
      .slice(split + 2)
      .split("\n")
      .filter((line) => line.startsWith("\u2014 "))
      .map((line) => {
        const [name, data] = line.slice(2).split(" ");
        return { name, raw: fromBase64(data) };
      });
    return { body, origin: lines[0], size: Number(lines[1]), root: fromBase64(lines[2]), signatures };
  }

  // "name+hex(key id)+base64(0x01 || public key)"
  async function signatureHolds(checkpoint, logKey) {
    const first = logKey.indexOf("+");
    const second = logKey.indexOf("+", first + 1);
    if (first <= 0 || second < 0) return "bad_key";
    const name = logKey.slice(0, first);
    const keyIdHex = logKey.slice(first + 1, second);
    const keyData = logKey.slice(second + 1);
    const key = fromBase64(keyData);
    if (key.length !== 33 || key[0] !== 1) return "bad_key";
    const keyId = fromHex(keyIdHex);
    const ours = checkpoint.signatures.filter(
      (s) => s.name === name && equal(s.raw.slice(0, 4), keyId),
    );
    if (ours.length === 0) return "not_signed";
    let publicKey;
    try {
      publicKey = await crypto.subtle.importKey("raw", key.slice(1), { name: "Ed25519" }, false, [
        "verify",
      ]);
    } catch {
      return "unsupported";
    }
    const message = encoder.encode(checkpoint.body);
    for (const signature of ours) {
      const valid = await crypto.subtle.verify("Ed25519", publicKey, signature.raw.slice(4), message);
      if (!valid) return "bad_signature";
    }
    return "ok";
  }

  async function verifyEntry(seq) {
    const answer = await fetch(`/api/v1/record/entries/${seq}/proof`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!answer.ok) throw new Error(`the server answered ${answer.status}`);
    const bundle = await answer.json();
    const checkpoint = parseNote(bundle.checkpoint);
    if (checkpoint.size !== bundle.size || bundle.index !== seq) {
      return { ok: false, text: say("mismatch") };
    }
    const leaf = await sha256(LEAF, encoder.encode(bundle.entry));
    const proof = bundle.inclusion_proof.map(fromHex);
    const root = await rootFromInclusionProof(leaf, bundle.index, bundle.size, proof);
    if (root === null || !equal(root, checkpoint.root)) {
      return { ok: false, text: say("notIncluded", { size: checkpoint.size }) };
    }
    const signature = await signatureHolds(checkpoint, bundle.log_key);
    if (signature === "ok") {
      return { ok: true, text: say("signed", { size: checkpoint.size }) };
    }
    if (signature === "unsupported") {
      return { ok: true, text: say("unsupported", { size: checkpoint.size }) };
    }
    return { ok: false, text: say(signature) };
  }

  // What the page says, translated by the server into the data-t-* attributes of the
  // element marked data-verify-words (record_history.html); "{name}" stands for a value.
  const WORDS = {
    verifying: "verifying…",
    mismatch: "the bundle does not match its checkpoint",
    notIncluded: "NOT included in checkpoint {size}",
    signed: "verified here: in checkpoint {size}, signed by the log key",
    unsupported: "verified here: in checkpoint {size} (this browser cannot check Ed25519 signatures)",
    failed: "could not verify: {error}",
    bad_key: "the log key is malformed",
    not_signed: "the checkpoint is not signed by the log key",
    bad_signature: "the checkpoint signature does NOT verify",
  };

  function learnWords() {
    const holder = document.querySelector("[data-verify-words]");
    if (!holder) return;
    for (const key of Object.keys(WORDS)) {
      const attribute = "t" + key.charAt(0).toUpperCase() + key.slice(1).replace(/_(\w)/g,
        (whole, letter) => letter.toUpperCase());
      if (holder.dataset[attribute]) WORDS[key] = holder.dataset[attribute];
    }
  }

  function say(key, values) {
    const words = WORDS[key] || key;
    return words.replace(/\{(\w+)\}/g, (whole, name) =>
      values && name in values ? String(values[name]) : whole);
  }

  function start() {
    learnWords();
    for (const button of document.querySelectorAll("button.verify-entry")) {
      button.addEventListener("click", async () => {
        const seq = Number(button.dataset.seq);
        const output = document.getElementById(`verified-${seq}`);
        button.disabled = true;
        output.textContent = say("verifying");
        try {
          const result = await verifyEntry(seq);
          output.textContent = result.text;
          output.className = result.ok ? "ok" : "error";
          output.dataset.result = result.ok ? "ok" : "failed";
        } catch (error) {
          output.textContent = say("failed", { error: error.message });
          output.className = "error";
          output.dataset.result = "failed";
        } finally {
          button.disabled = false;
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
