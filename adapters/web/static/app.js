// offboard local workspace: forms over fetch, dialogs, live refresh over server-sent events.
"use strict";

const feed = () => document.getElementById("feed");
// Count finished refreshes and finished actions; browser tests wait on them.
window.offboardRev = 0;
window.offboardActs = 0;

function flash(text, kind) {
  const box = document.getElementById("flash");
  box.textContent = text;
  box.className = kind || "";
  box.hidden = !text;
}

function showErrors(form, result) {
  form.querySelectorAll(".error").forEach((p) => { p.textContent = ""; });
  const slot = form.querySelector(`[data-error-for="${CSS.escape(result.field || "")}"]`)
    || form.querySelector('[data-error-for=""]');
  if (slot) slot.textContent = result.error;
}

async function post(url, data) {
  data.append("request_id", crypto.randomUUID());
  const response = await fetch(url, { method: "POST", body: data, credentials: "same-origin" });
  return response.json();
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
  if (html !== null) feed().innerHTML = html;
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

async function act(form, source) {
  const result = await post("/w/act", new FormData(form));
  if (!result.ok) {
    if (source) showErrors(source, result);
    if (source && result.confirm) askToConfirm(source);
    else flash(result.error, result.refused ? "refused" : "error");
    window.offboardActs += 1;
    return false;
  }
  flash(result.message, result.status === "changed" ? "ok" : "stale");
  if (source) source.closest("dialog").close();
  await refresh(true);
  window.offboardActs += 1;
  return true;
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.classList.contains("act")) {
    event.preventDefault();
    if (form.dataset.dialog) {
      const dialog = document.getElementById(form.dataset.dialog);
      dialog.querySelectorAll(".error").forEach((p) => { p.textContent = ""; });
      resetConfirm(dialog);
      dialog.showModal();
      return;
    }
    await act(form, null);
  } else if (form.classList.contains("act-dialog")) {
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    await act(form, form);
  } else if (form.id === "composer") {
    event.preventDefault();
    await composer(form);
  } else if (form.classList.contains("open-case")) {
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    const result = await post("/w/open", new FormData(form));
    if (!result.ok) {
      if (result.case_id) result.error += " ";
      showErrors(form, result);
      return;
    }
    form.closest("dialog").close();
    location.href = `/w/cases/${result.case_id}`;
  } else if (form.classList.contains("reopen-case")) {
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    const result = await post("/w/reopen", new FormData(form));
    if (!result.ok) { showErrors(form, result); return; }
    form.closest("dialog").close();
    flash(result.message, "ok");
    await refresh();
  } else if (form.classList.contains("cancel-case")) {
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    const result = await post("/w/cancel", new FormData(form));
    if (!result.ok) { showErrors(form, result); return; }
    form.closest("dialog").close();
    flash(result.message, "ok");
    await refresh();
  }
});

async function composer(form) {
  const reply = document.getElementById("reply");
  const result = await post("/w/command", new FormData(form));
  reply.hidden = true;
  if (!result.ok) { flash(result.error, "error"); return; }
  form.reset();
  if (result.open) {
    const dialog = document.getElementById("open-dialog");
    dialog.querySelector("form").reset();
    dialog.querySelectorAll(".error").forEach((p) => { p.textContent = ""; });
    dialog.querySelector('[name="client"]').value = result.open.client;
    dialog.showModal();
  } else if (result.cancel) {
    const dialog = document.getElementById("cancel-dialog");
    dialog.querySelector('[name="case_id"]').value = result.cancel.case_id;
    dialog.querySelector("[data-client]").textContent = result.cancel.client;
    dialog.showModal();
  } else if (result.reopen) {
    const dialog = document.getElementById("reopen-dialog");
    dialog.querySelector('[name="case_id"]').value = result.reopen.case_id;
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
    navigator.clipboard && navigator.clipboard.writeText(target.dataset.copy);
    flash("Copied.", "ok");
  } else if (target.matches("[data-cancel]")) {
    const dialog = document.getElementById("cancel-dialog");
    dialog.querySelector('[name="case_id"]').value = target.dataset.cancel;
    dialog.querySelector("[data-client]").textContent = target.dataset.client;
    dialog.showModal();
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
  }
});

function listen() {
  const source = new EventSource("/w/events");
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    const here = document.body.dataset.channel;
    const mine = (here === "cases" && (event.target.startsWith("case:"))) || event.target === `dept:${here}`;
    if (mine) {
      refresh();
    } else {
      const link = document.querySelector(`.channels a[data-target="${CSS.escape(event.target)}"]`);
      if (link) link.classList.add("unread");
    }
  };
}

const note = sessionStorage.getItem("offboardNote");
if (note) {
  sessionStorage.removeItem("offboardNote");
  flash(note, "stale");
}

listen();
