// The field page's outbox (docs/field.md). Observations are saved in IndexedDB first, each
// with its own idempotency key, and leave the outbox only when the server has answered for
// them: filed or duplicate (filed by an earlier attempt) removes them, rejected keeps them
// with the server's field errors for the monitor to correct. Each member has an outbox of
// their own (a database named after them), so nobody signing in on the same device sees
// another's. Three pages use it: filing (data-mode "file"), My reports ("list": the list is
// brought up to date after a sync) and signing out ("signout": warns of what was not sent,
// then clears the device). Every text shown comes from the page's data- attributes, in the
// page's language.
"use strict";

(() => {
  const app = document.getElementById("field-app");
  if (!app) return;

  const member = app.dataset.member;
  const mode = app.dataset.mode;
  // One outbox per member. Before there was one, all accounts shared "truce-field".
  const PREFIX = "truce-field";
  const DB_NAME = `${PREFIX}-${member}`;
  const STORE = "outbox";
  // The batch endpoint takes at most 500 items; smaller batches answer sooner on bad links.
  const BATCH = 50;
  const text = (name, values = {}) =>
    (app.dataset[name] || name).replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
  const numbers = new Intl.NumberFormat(app.dataset.lang || undefined);
  const times = new Intl.DateTimeFormat(app.dataset.lang || undefined, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
    hourCycle: "h23",
  });
  const $ = (id) => document.getElementById(id);
  const status = $("field-status");
  const form = $("field-form");
  let syncing = false;
  let editingKey = null;

  // --- the outbox in IndexedDB ---------------------------------------------------------------

  function openDb(name = DB_NAME) {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(access, work, name = DB_NAME) {
    const db = await openDb(name);
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, access);
        const result = work(tx.objectStore(STORE));
        // Resolved only once the transaction is durable: "saved" must mean saved.
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  function deleteDb(name) {
    return new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(name);
      // Blocked: another tab holds it open; the deletion still happens when it lets go.
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  }

  async function databaseNames() {
    if (!indexedDB.databases) return null;
    return (await indexedDB.databases()).map((d) => d.name || "");
  }

  // Items saved before each member had an outbox of their own: this member's move into it;
  // another account's stay where they were, out of sight, until that account signs in.
  async function adoptShared() {
    const names = await databaseNames();
    if (!names || !names.includes(PREFIX)) return;
    const items = await withStore("readonly", (store) => store.getAll(), PREFIX);
    const mine = items.filter((i) => i.owner === member);
    for (const item of mine) await putItem(item);
    await withStore("readwrite", (store) => mine.forEach((i) => store.delete(i.key)), PREFIX);
    if (mine.length === items.length) await deleteDb(PREFIX);
  }

  const allItems = () => withStore("readonly", (store) => store.getAll());
  const putItem = (item) => withStore("readwrite", (store) => store.put(item));
  const deleteItem = (key) => withStore("readwrite", (store) => store.delete(key));

  // --- the form ------------------------------------------------------------------------------

  const LOCAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/;

  function fieldsOf(formElement, observedAt) {
    const fields = {};
    for (const [name, value] of new FormData(formElement)) {
      if (name === "_csrf_token" || name === "idempotency_key") continue;
      const trimmed = String(value).trim();
      if (trimmed !== "") fields[name] = trimmed;
    }
    // The form states its times are UTC; the batch endpoint wants the offset written out.
    for (const name of ["occurred_from", "occurred_to"]) {
      if (fields[name] && LOCAL_TIME.test(fields[name])) fields[name] += "Z";
    }
    if (!fields.occurred_from) fields.occurred_from = observedAt;
    return fields;
  }

  async function save(event) {
    event.preventDefault();
    const existing = editingKey ? (await allItems()).find((i) => i.key === editingKey) : null;
    const observedAt = existing ? existing.observed_at : new Date().toISOString();
    const key = existing ? existing.key : crypto.randomUUID();
    const fields = fieldsOf(form, observedAt);
    // A rejected item filed nothing under its key, so a corrected one may keep it.
    fields.idempotency_key = key;
    const owner = existing ? existing.owner : member;
    await putItem({ key, owner, observed_at: observedAt, fields, state: "waiting", errors: [] });
    editingKey = null;
    $("editing-note").hidden = true;
    form.reset();
    say(text("tSaved"));
    await render();
    sync();
  }

  function edit(item) {
    editingKey = item.key;
    for (const element of form.elements) {
      if (!element.name || element.name === "_csrf_token") continue;
      let value = item.fields[element.name] ?? "";
      if (element.type === "datetime-local" && value) value = value.replace(/Z$/, "").slice(0, 16);
      element.value = value;
      const problem = item.errors.find((e) => e.field === element.name);
      if (problem) element.setAttribute("aria-invalid", "true");
      else element.removeAttribute("aria-invalid");
    }
    const note = $("editing-note");
    note.textContent = text("tEditing");
    note.hidden = false;
    const first = item.errors.length ? form.elements[item.errors[0].field] : null;
    (first || form.elements[0]).focus();
  }

  // --- showing the outbox --------------------------------------------------------------------

  function say(message) {
    if (status) status.textContent = message;
  }

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function itemView(item) {
    const li = element("li", `outbox-item ${item.state}`);
    li.dataset.key = item.key;
    const f = item.fields;
    const title = [f.place_text, f.narrative].filter(Boolean).join(" · ");
    const summary = element("p", "summary", title || text("tNoNarrative"));
    summary.dir = "auto";
    li.append(summary);
    const when = times.format(new Date(item.observed_at));
    const label = text(item.state === "rejected" ? "tRejected" : "tWaiting");
    li.append(element("p", "state", `${label} · ${text("tSavedAt", { time: when })}`));
    if (item.errors.length) {
      const list = element("ul", "error");
      for (const problem of item.errors) {
        list.append(element("li", "", `${problem.label}: ${problem.text}`));
      }
      li.append(list);
    }
    if (item.state === "rejected") {
      const actions = element("p", "actions");
      if (form) {
        const fix = element("button", "small", text("tEdit"));
        fix.type = "button";
        fix.addEventListener("click", () => edit(item));
        actions.append(fix, " ");
      }
      const discard = element("button", "small link", text("tDiscard"));
      discard.type = "button";
      discard.addEventListener("click", async () => {
        if (window.confirm(text("tDiscardConfirm"))) {
          await deleteItem(item.key);
          await render();
        }
      });
      actions.append(discard);
      li.append(actions);
    }
    return li;
  }

  async function render() {
    const items = (await allItems()).sort((a, b) => a.observed_at.localeCompare(b.observed_at));
    const list = $("outbox-items");
    list.replaceChildren(...items.map(itemView));
    const waiting = items.filter((i) => i.state === "waiting").length;
    $("outbox-count").textContent = items.length
      ? text("tCount", { count: numbers.format(waiting) })
      : text("tEmpty");
    $("outbox-count").dataset.waiting = String(waiting);
    $("outbox-count").dataset.total = String(items.length);
    if (mode === "signout") showUnsent(items);
    return items;
  }

  function sent(item, result) {
    const li = element("li", `sent ${result.status}`);
    li.dataset.report = result.report_id;
    const f = item.fields;
    const what = element("span", "", [f.place_text, f.narrative].filter(Boolean).join(" · "));
    what.dir = "auto";
    const link = element("a", "", text("tView"));
    link.href = `/reports/${encodeURIComponent(result.report_id)}`;
    li.append(`${text(result.status === "filed" ? "tFiled" : "tDuplicate")}: `, what, " ", link);
    $("sent-items").prepend(li);
    $("sent-items").hidden = false;
  }

  // --- sending -------------------------------------------------------------------------------

  async function session() {
    const response = await fetch("/field/session", {
      cache: "no-store",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`session ${response.status}`);
    return response.json();
  }

  async function sendBatch(token, items) {
    const response = await fetch("/field/sync", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": token,
      },
      body: JSON.stringify({ items: items.map((i) => i.fields) }),
    });
    if (!response.ok) throw new Error(`sync ${response.status}`);
    return (await response.json()).results;
  }

  async function settle(items, results) {
    let rejected = 0;
    for (const result of results) {
      const item = items[result.index];
      if (!item) continue;
      if (result.status === "filed" || result.status === "duplicate") {
        await deleteItem(item.key);
        sent(item, result);
      } else {
        rejected += 1;
        await putItem({ ...item, state: "rejected", errors: result.errors });
      }
    }
    return rejected;
  }

  async function sync() {
    if (syncing) return;
    if (!navigator.onLine) {
      say(text("tOffline"));
      if (mode === "list") listOffline();
      return;
    }
    syncing = true;
    app.dataset.syncing = "true";
    let online = false;
    try {
      const waiting = (await allItems()).filter((i) => i.state === "waiting");
      let who;
      try {
        who = await session();
      } catch {
        say(text("tOffline"));
        return;
      }
      // This outbox is the page's member's: sent only in their own session.
      if (who.member_id !== member) {
        say(text("tSignIn"));
        return;
      }
      online = true;
      if (!waiting.length) {
        const items = await allItems();
        say(items.some((i) => i.state === "rejected") ? text("tSomeRejected") : "");
        return;
      }
      say(text("tSending"));
      let rejected = 0;
      for (let start = 0; start < waiting.length; start += BATCH) {
        const chunk = waiting.slice(start, start + BATCH);
        rejected += await settle(chunk, await sendBatch(who.csrf_token, chunk));
      }
      say(text(rejected ? "tSomeRejected" : "tSentAll"));
    } catch {
      // A dropped connection or a refused request: nothing left the outbox unanswered.
      say(text("tFailed"));
    } finally {
      syncing = false;
      app.dataset.syncing = "false";
      await render();
      if (mode === "list") await refreshList(online);
      app.dataset.synced = String(Number(app.dataset.synced || "0") + 1);
    }
  }

  // --- My reports: the list follows the outbox ------------------------------------------------

  function listOffline() {
    const note = $("reports-offline");
    if (note) note.hidden = false;
  }

  // After a sync that reached the server, the first page of the list is read again and put in
  // place of the one shown (which may be the copy kept offline); without a connection the
  // list shown stays, marked as the one last seen online.
  async function refreshList(online) {
    const url = app.dataset.refresh;
    if (!url) return;
    if (!online) {
      listOffline();
      return;
    }
    try {
      const response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
      if (!response.ok || response.redirected) throw new Error(`list ${response.status}`);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("reports");
      if (!fresh) throw new Error("no list");
      $("reports").replaceWith(document.adoptNode(fresh));
      app.dataset.listed = String(Number(app.dataset.listed || "0") + 1);
    } catch {
      listOffline();
    }
  }

  // --- signing out: warn of what was not sent, then clear the device -------------------------

  function showUnsent(items) {
    const waiting = $("signout-waiting");
    const button = $("signout-button");
    if (!waiting || !button) return;
    if (items.length) {
      waiting.hidden = false;
      $("signout-warning").textContent = text("tUnsent", { count: numbers.format(items.length) });
      button.textContent = text("tDiscardAll");
    } else {
      $("signout-warning").textContent = waiting.hidden ? "" : text("tSentAll");
      button.textContent = button.dataset.label;
    }
  }

  // This member's outbox, the kept pages and the service worker go; the answer to the
  // sign-out clears the whole site's storage too, unless another account's outbox is still
  // on the device (it would be lost). Returns whether the site's storage may be cleared.
  async function clearDevice() {
    await deleteDb(DB_NAME);
    try {
      for (const name of await caches.keys()) {
        if (name.startsWith(`${PREFIX}-`)) await caches.delete(name);
      }
      const registrations = await navigator.serviceWorker.getRegistrations();
      for (const registration of registrations) {
        if (new URL(registration.scope).pathname.startsWith("/field")) await registration.unregister();
      }
    } catch {
      // No Cache Storage or service workers here (an insecure context): nothing was kept.
    }
    const names = await databaseNames();
    return names !== null && !names.some((name) => name.startsWith(PREFIX));
  }

  async function leave() {
    const form = $("signout-form");
    const button = $("signout-button");
    button.disabled = true;
    button.textContent = text("tLeaving");
    let clear = false;
    try {
      clear = await clearDevice();
    } finally {
      $("signout-device").value = clear ? "clear" : "";
      form.submit();
    }
  }

  async function startSignout() {
    const button = $("signout-button");
    button.dataset.label = button.textContent;
    $("signout-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const items = await allItems();
      if (items.length && !window.confirm(text("tDiscardAllConfirm"))) return;
      await leave();
    });
    const items = await render();
    app.dataset.ready = "true";
    // Nothing waiting: the member asked to sign out, so the page goes on by itself.
    if (!items.length && navigator.onLine) await leave();
  }

  // --- start ---------------------------------------------------------------------------------

  async function start() {
    if (!("indexedDB" in window) || !window.crypto?.randomUUID) {
      say(text("tNoStorage"));
      return;
    }
    try {
      await adoptShared();
    } catch {
      // The shared outbox could not be read: it stays as it is, nothing is lost.
    }
    $("send-now").addEventListener("click", sync);
    if (mode === "signout") {
      await startSignout();
      return;
    }
    if (form) form.addEventListener("submit", save);
    window.addEventListener("online", sync);
    window.addEventListener("offline", () => {
      say(text("tOffline"));
      if (mode === "list") listOffline();
    });
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/field/sw.js", { scope: "/field" }).catch(() => {});
    }
    await render();
    app.dataset.ready = "true";
    await sync();
  }

  start();
})();
