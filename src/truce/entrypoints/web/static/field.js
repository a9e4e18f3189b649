// The field page's outbox (docs/field.md). Observations are saved in IndexedDB first, each
// with its own idempotency key, and leave the outbox only when the server has answered for
// them: filed or duplicate (filed by an earlier attempt) removes them, rejected keeps them
// with the server's field errors for the monitor to correct. Every text shown comes from the
// page's data- attributes, in the page's language.
"use strict";

(() => {
  const app = document.getElementById("field-app");
  if (!app) return;

  const DB_NAME = "truce-field";
  const STORE = "outbox";
  // The batch endpoint takes at most 500 items; smaller batches answer sooner on bad links.
  const BATCH = 50;
  const member = app.dataset.member;
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

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, work) {
    const db = await openDb();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
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
    const mine = item.owner === member;
    const label = !mine ? text("tOtherAccount") : text(item.state === "rejected" ? "tRejected" : "tWaiting");
    li.append(element("p", "state", `${label} · ${text("tSavedAt", { time: when })}`));
    if (item.errors.length) {
      const list = element("ul", "error");
      for (const problem of item.errors) {
        list.append(element("li", "", `${problem.label}: ${problem.text}`));
      }
      li.append(list);
    }
    if (mine && item.state === "rejected") {
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
      return;
    }
    syncing = true;
    app.dataset.syncing = "true";
    try {
      const waiting = (await allItems()).filter((i) => i.state === "waiting");
      let who;
      try {
        who = await session();
      } catch {
        say(text("tOffline"));
        return;
      }
      if (!who.member_id) {
        say(text("tSignIn"));
        return;
      }
      const ours = waiting.filter((i) => i.owner === who.member_id);
      if (!ours.length) {
        const items = await allItems();
        say(items.some((i) => i.state === "rejected") ? text("tSomeRejected") : "");
        return;
      }
      say(text("tSending"));
      let rejected = 0;
      for (let start = 0; start < ours.length; start += BATCH) {
        const chunk = ours.slice(start, start + BATCH);
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
      app.dataset.synced = String(Number(app.dataset.synced || "0") + 1);
    }
  }

  // --- start ---------------------------------------------------------------------------------

  async function start() {
    if (!("indexedDB" in window) || !window.crypto?.randomUUID) {
      say(text("tNoStorage"));
      return;
    }
    if (form) form.addEventListener("submit", save);
    $("send-now").addEventListener("click", sync);
    window.addEventListener("online", sync);
    window.addEventListener("offline", () => say(text("tOffline")));
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/field/sw.js", { scope: "/field" }).catch(() => {});
    }
    await render();
    app.dataset.ready = "true";
    await sync();
  }

  start();
})();
