// offboard workspace: forms over fetch, dialogs, live refresh over server-sent events.
"use strict";

const feed = () => document.getElementById("feed");
const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
// Count finished refreshes and finished actions; browser tests wait on them.
window.offboardRev = 0;
window.offboardActs = 0;
window.offboardPosts = 0;

// ------------------------------------------------------------------ words where the click happened
function flash(text, kind, link) {
  const box = document.getElementById("flash");
  box.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text;
    box.append(" ", a);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "link close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => { box.hidden = true; });
  box.append(" ", close);
  box.className = kind || "";
  box.hidden = !text;
}

// The last result stays beside its item, also after live refreshes redraw the card.
let lastNote = null;

function noteAt(caseId, itemId, text, kind) {
  lastNote = { caseId, itemId, text, kind };
  const scope = document.querySelector(`.card[data-case="${CSS.escape(caseId || "")}"]`) || document;
  const item = scope.querySelector(`li[data-item="${CSS.escape(itemId || "")}"]`);
  if (!item) return;
  document.querySelectorAll(".result").forEach((p) => p.remove());  // one result at a time
  const note = document.createElement("p");
  note.className = `result ${kind}`;
  note.setAttribute("role", "status");
  note.textContent = text;
  item.append(note);
}

function clearErrors(form) {
  form.querySelectorAll(".error").forEach((p) => { p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
}

function showErrors(form, result) {
  clearErrors(form);
  const errors = result.errors && Object.keys(result.errors).length ? result.errors : { [result.field || ""]: result.error };
  let first = null;
  // A field of the checklist chosen now (other checklists' fieldsets are disabled), else the form's own.
  const live = (selector) => [...form.querySelectorAll(selector)].find((e) => !e.closest("fieldset[disabled]"));
  for (const [field, message] of Object.entries(errors)) {
    const slot = live(`[data-error-for="${CSS.escape(field)}"]`) || form.querySelector('[data-error-for=""]');
    if (!slot) continue;
    slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
    const input = live(`[name="${CSS.escape(field)}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  if (result.case_id && result.link !== false) {
    const slot = form.querySelector('[data-error-for=""]');
    const a = document.createElement("a");
    a.href = `/w/cases/${encodeURIComponent(result.case_id)}`;
    a.textContent = "Open that case";
    slot.append(" ", a);
  }
  if (first) first.focus();
}

// ------------------------------------------------------------------ talking to the server
async function post(url, data) {
  data.append("request_id", crypto.randomUUID());
  window.offboardPosts += 1;
  const response = await fetch(url, {
    method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": csrf() },
  });
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) return response.json();
  return { ok: false, error: (await response.text()).trim() || `The server answered ${response.status}.` };
}

// One request per submission: a double-click (or a second Enter) waits for the first.
async function once(form, run) {
  if (form.dataset.busy) return;
  form.dataset.busy = "1";
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await run();
  } finally {
    delete form.dataset.busy;
    buttons.forEach((b) => { b.disabled = false; });
  }
}

let refreshWaiting = false;

async function refresh(force) {
  const url = document.body.dataset.feed;
  if (!url) return;
  // Never pull the page from under someone typing in a dialog: refresh once it closes.
  if (!force && document.querySelector("dialog[open]")) {
    refreshWaiting = true;
    return;
  }
  refreshWaiting = false;
  const response = await fetch(url, { credentials: "same-origin" });
  const html = response.ok ? await response.text() : null;
  if (!force && document.querySelector("dialog[open]")) {
    refreshWaiting = true;  // a dialog opened while this was loading
    return;
  }
  if (html !== null) {
    const open = [...feed().querySelectorAll("details[open][data-case]")].map((d) => `${d.dataset.case}/${d.dataset.step}`);
    feed().innerHTML = html;
    open.forEach((key) => {
      const [c, s] = key.split("/");
      const d = feed().querySelector(`details[data-case="${CSS.escape(c)}"][data-step="${CSS.escape(s)}"]`);
      if (d) d.open = true;
    });
    if (lastNote) noteAt(lastNote.caseId, lastNote.itemId, lastNote.text, lastNote.kind);
  }
  window.offboardRev += 1;
}

// An unusual answer (NeedsConfirmation): the dialog keeps its values and offers "Save anyway".
function askToConfirm(form) {
  let flag = form.querySelector('input[name="confirmed"]');
  if (!flag) {
    flag = document.createElement("input");
    flag.type = "hidden";
    flag.name = "confirmed";
    form.appendChild(flag);
  }
  flag.value = "yes";
  form.querySelector("button.primary").textContent = "Save anyway";
}

function resetConfirm(dialog) {
  dialog.querySelectorAll('input[name="confirmed"]').forEach((flag) => flag.remove());
  const save = dialog.querySelector("button.primary");
  if (save) save.textContent = "Save";
}

// ------------------------------------------------------------------ step cards
async function act(form, dialogForm) {
  const source = dialogForm || form;
  const result = await post("/w/act", new FormData(source));
  const caseId = source.querySelector('[name="case_id"]').value;
  const itemId = source.querySelector('[name="item_id"]').value;
  if (!result.ok) {
    if (dialogForm) {
      showErrors(dialogForm, result);
      if (result.confirm) askToConfirm(dialogForm);
    } else {
      flash(result.error, result.refused ? "refused" : "error");
      noteAt(caseId, itemId, result.error, result.refused ? "refused" : "error");
    }
    return;
  }
  if (result.status === "stale" && dialogForm) {
    // Someone changed the item meanwhile: keep what was typed, show what is stored now.
    showErrors(dialogForm, { error: `${result.message} Stored now: ${result.stored}. Save again to replace it with what you typed, or Cancel.` });
    const version = dialogForm.querySelector('[name="version"]');
    if (version && result.version != null) version.value = result.version;
    return;
  }
  if (dialogForm) dialogForm.closest("dialog").close();
  const kind = result.status === "changed" ? "ok" : "stale";
  await refresh(true);
  flash(result.message, kind);
  noteAt(caseId, itemId, result.message, kind);
}

async function composer(form) {
  const reply = document.getElementById("reply");
  const result = await post("/w/command", new FormData(form));
  reply.hidden = true;
  if (!result.ok) {
    const link = result.case_id ? { href: `/w/cases/${encodeURIComponent(result.case_id)}`, text: "Open its thread" } : null;
    flash(result.error, result.refused ? "refused" : "error", link);
    return;
  }
  form.reset();
  if (result.open) {
    const dialog = document.getElementById("open-dialog");
    const open = dialog.querySelector("form");
    open.reset();
    clearErrors(open);
    open.querySelector('[name="client"]').value = result.open.client;
    dialog.showModal();
  } else if (result.cancel) {
    openCancel(result.cancel.case_id, result.cancel.client);
  } else if (result.date) {
    openDate(result.date.case_id, result.date.client, result.date.value);
  } else if (result.reopen) {
    const dialog = document.getElementById("reopen-dialog");
    const reopen = dialog.querySelector("form");
    clearErrors(reopen);
    reopen.querySelector('[name="case_id"]').value = result.reopen.case_id;
    dialog.querySelector("[data-client]").textContent = result.reopen.client;
    dialog.querySelector("[data-status]").textContent = result.reopen.status;
    dialog.showModal();
  } else if (result.go) {
    // The client has other cases: say so on the page we go to.
    if (result.note) sessionStorage.setItem("offboardNote", result.note);
    location.href = result.go;
  } else if (result.reply) {
    reply.textContent = result.reply;
    reply.hidden = false;
  }
}

function openDate(caseId, client, value) {
  const dialog = document.getElementById("date-dialog");
  const form = dialog.querySelector("form");
  clearErrors(form);
  form.querySelector('[name="case_id"]').value = caseId;
  form.querySelector('[name="date"]').value = value || "";
  dialog.querySelector("[data-client]").textContent = client;
  dialog.showModal();
}

function openCancel(caseId, client) {
  const dialog = document.getElementById("cancel-dialog");
  const form = dialog.querySelector("form");
  clearErrors(form);
  form.querySelector('[name="case_id"]').value = caseId;
  dialog.querySelector("[data-client]").textContent = client;
  dialog.showModal();
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.classList.contains("act")) {
    event.preventDefault();
    if (form.dataset.dialog) {
      const dialog = document.getElementById(form.dataset.dialog);
      if (!dialog.open) {
        resetConfirm(dialog);  // "Save anyway" holds for the answer it was asked about only
        dialog.showModal();  // what was typed before stays (Escape only hides it)
      }
      return;
    }
    await once(form, () => act(form, null));
  } else if (form.classList.contains("act-dialog")) {
    event.preventDefault();
    await once(form, () => act(null, form));
  } else if (form.id === "composer") {
    event.preventDefault();
    await once(form, () => composer(form));
  } else if (form.classList.contains("open-case")) {
    event.preventDefault();
    await once(form, async () => {
      const result = await post("/w/open", new FormData(form));
      if (!result.ok) { showErrors(form, result); return; }
      form.closest("dialog").close();
      location.href = `/w/cases/${result.case_id}`;
    });
  } else if (form.classList.contains("reopen-case")) {
    event.preventDefault();
    await once(form, async () => {
      const result = await post("/w/reopen", new FormData(form));
      if (!result.ok) { showErrors(form, result); return; }
      form.closest("dialog").close();
      flash(result.message, "ok");
      await refresh();
    });
  } else if (form.classList.contains("change-date")) {
    event.preventDefault();
    await once(form, async () => {
      const result = await post("/w/date", new FormData(form));
      if (!result.ok) { showErrors(form, result); return; }
      form.closest("dialog").close();
      flash(result.message, result.status === "changed" ? "ok" : "stale");
      await refresh();
    });
  } else if (form.classList.contains("cancel-case")) {
    event.preventDefault();
    await once(form, async () => {
      const result = await post("/w/cancel", new FormData(form));
      if (!result.ok) { showErrors(form, result); return; }
      form.closest("dialog").close();
      flash(result.message, "ok");
      await refresh();
    });
  }
  window.offboardActs += 1;
});

document.addEventListener("click", (event) => {
  const target = event.target;
  if (target.matches("[data-add-row]")) {
    const table = target.previousElementSibling;
    const rows = table.querySelectorAll("tr");
    const last = rows[rows.length - 1];
    const copy = last.cloneNode(true);
    const n = rows.length - 1;
    copy.querySelectorAll("[name]").forEach((input) => {
      input.name = input.name.replace(/tickets-\d+-/, `tickets-${n}-`);
      input.value = "";
    });
    last.after(copy);
  } else if (target.matches("[data-copy]")) {
    if (navigator.clipboard) navigator.clipboard.writeText(target.dataset.copy);
    flash("Copied.", "ok");
  } else if (target.matches("[data-cancel]")) {
    openCancel(target.dataset.cancel, target.dataset.client);
  } else if (target.matches("[data-date]")) {
    openDate(target.dataset.date, target.dataset.client, target.dataset.value);
  } else if (target.matches("[data-close]")) {
    target.closest("dialog").close();
  } else if (target.matches("[data-menu]")) {
    const open = document.body.classList.toggle("menu-open");
    target.setAttribute("aria-expanded", String(open));
  }
});

document.addEventListener("close", () => {
  if (refreshWaiting) refresh();
}, true);

document.addEventListener("change", (event) => {
  if (event.target.name === "checklist") {
    document.querySelectorAll("fieldset[data-checklist]").forEach((set) => {
      const on = set.dataset.checklist === event.target.value;
      set.hidden = !on;
      set.disabled = !on;
    });
  } else if (event.target.id === "persona") {
    event.target.form.submit();
  }
});

function listen() {
  const source = new EventSource("/w/events");
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    const here = document.body.dataset.channel;
    const mine = (here === "cases" && (event.target.startsWith("case:"))) || event.target === `dept:${here}`
      || event.target === here;  // #managers
    if (mine) {
      refresh();
    } else {
      const link = document.querySelector(`.channels a[data-target="${CSS.escape(event.target)}"]`);
      if (link) link.classList.add("unread");
    }
  };
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) return;  // it reconnects by itself
    const note = document.getElementById("live-off");
    note.textContent = "Live updates are off (too many open tabs, or the server went away): reload to resume.";
    note.hidden = false;
  };
}

const arrivalNote = sessionStorage.getItem("offboardNote");
if (arrivalNote) {
  sessionStorage.removeItem("offboardNote");
  flash(arrivalNote, "stale");
}

listen();
