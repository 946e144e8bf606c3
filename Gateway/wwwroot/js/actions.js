// The work on one alert, the same on the supervisor's board and in the agent's console: acknowledge, assign (to one of
// the real agents when the engine lists them), record the outcome of a contact (reached, no answer, retained, lost,
// callback at a time, with a note), resolve with a note. The caller says how each act reaches the engine.

import { api } from "./api.js";
import { h, setText } from "./dom.js";
import { outcomes } from "./words.js";

/**
 * The controls for an unresolved alert (null for a resolved one).
 * @param {object} alert alertId, state, assignedTo
 * @param {object} options act(action, body): "acknowledge" | "assign" {agentId} | "resolve" {note} | "outcome"
 *   {outcome, callbackAt?, note?}, resolving to the changed alert; canAssign: a supervisor's picker; agents: the names
 *   to pick from ([] or null: type a name)
 */
export function alertWork(alert, { act, canAssign = false, agents = null }) {
  if (alert.state === "Resolved") return null;
  const id = alert.alertId;
  const error = h("p", { className: "error", role: "alert" });
  const run = async (action, body, form) => {
    setText(error, "");
    for (const button of form?.querySelectorAll("button") ?? []) button.disabled = true;
    try {
      await act(action, body);
      // Done: the redrawn form (which kept what was typed while the call ran) starts empty again.
      if (action === "outcome") clearKept(form);
    } catch (failure) {
      setText(error, failure.message);
    } finally {
      for (const button of form?.querySelectorAll("button") ?? []) button.disabled = false;
    }
  };
  const keep = (name) => `${id}:${name}`;

  // Only an open alert is acknowledged; past that step the button would only be in the way.
  const acknowledge = alert.state === "Open" ? h("button", { type: "button", className: "act-acknowledge", onClick: () => run("acknowledge") }, "Acknowledge") : null;

  const assign = canAssign ? h("form", {
    className: "action-row",
    onSubmit: (event) => {
      event.preventDefault();
      const agentId = event.target.elements.agent.value.trim();
      if (agentId) run("assign", { agentId }, event.target);
    },
  },
  agents?.length
    ? h("select", { name: "agent", className: "assign-agent", "aria-label": "Agent", dataset: { keep: keep("agent") } },
      h("option", { value: "" }, "Choose an agent"),
      agents.map((agent) => h("option", { value: agent.name, selected: agent.name === alert.assignedTo }, agent.name)))
    : h("input", { name: "agent", className: "assign-agent", placeholder: "Agent (the agent key's name)", value: alert.assignedTo ?? "",
      spellcheck: "false", "aria-label": "Agent", dataset: { keep: keep("agent") } }),
  h("button", { type: "submit", className: "act-assign" }, alert.assignedTo ? "Reassign" : "Assign")) : null;

  const callback = h("input", { type: "datetime-local", name: "callbackAt", className: "outcome-callback", "aria-label": "Call back at", dataset: { keep: keep("callbackAt") } });
  const callbackRow = h("label", { className: "callback-row", hidden: true }, "Call back at ", callback);
  const outcome = h("form", {
    className: "outcome-form",
    onSubmit: (event) => {
      event.preventDefault();
      const form = event.target.elements;
      const body = { outcome: form.outcome.value };
      if (body.outcome === "Callback") body.callbackAt = new Date(form.callbackAt.value).toISOString();
      if (form.note.value.trim()) body.note = form.note.value.trim();
      run("outcome", body, event.target);
    },
  },
  h("div", { className: "action-row" },
    h("select", {
      name: "outcome", className: "outcome-choice", required: true, "aria-label": "Outcome of the contact", dataset: { keep: keep("outcome") },
      onChange: (event) => {
        const later = event.target.value === "Callback";
        callbackRow.hidden = !later;
        callback.required = later;
      },
    },
    h("option", { value: "" }, "Outcome of the contact…"),
    outcomes.map(([value, words]) => h("option", { value }, words))),
    h("button", { type: "submit", className: "act-outcome" }, "Record")),
  callbackRow,
  h("input", { name: "note", className: "outcome-note", placeholder: "Note on the contact (optional)", "aria-label": "Note on the contact", dataset: { keep: keep("outcomeNote") } }));

  const resolve = h("form", {
    className: "action-row",
    onSubmit: (event) => {
      event.preventDefault();
      run("resolve", { note: event.target.elements.note.value.trim() }, event.target);
    },
  },
  h("input", { name: "note", className: "resolve-note", placeholder: "What was done (optional)", "aria-label": "Resolution note", dataset: { keep: keep("resolveNote") } }),
  h("button", { type: "submit", className: "primary act-resolve" }, "Resolve"));

  return h("div", { className: "actions", dataset: { alertId: id } }, acknowledge, assign, outcome, resolve, error);
}

/** The HTTP form of each act (an agent's own assignments; a supervisor's teams'): the answer is the changed alert. */
export function actOverHttp(alertId, action, body) {
  const path = `/api/alerts/${encodeURIComponent(alertId)}/${action}`;
  return api(path, { method: "POST", body: action === "acknowledge" ? undefined : body });
}

/**
 * Redraws a panel without losing what is being typed or chosen in it: the values of its [data-keep] controls, and the
 * focus, come back when the redrawn panel has the same controls.
 */
export function redrawKeeping(panel, draw) {
  const values = new Map();
  for (const control of panel.querySelectorAll("[data-keep]")) values.set(control.dataset.keep, control.value);
  const focused = panel.contains(document.activeElement) ? document.activeElement?.dataset?.keep : undefined;
  draw();
  for (const control of panel.querySelectorAll("[data-keep]")) {
    const value = values.get(control.dataset.keep);
    if (value !== undefined && value !== "") {
      control.value = value;
      control.dispatchEvent(new Event("change"));
    }
    if (focused && control.dataset.keep === focused) control.focus();
  }
}

/** Empties the controls, wherever they are drawn now, that keep the values of a form's controls. */
function clearKept(form) {
  for (const kept of form?.querySelectorAll("[data-keep]") ?? []) {
    for (const control of document.querySelectorAll(`[data-keep="${CSS.escape(kept.dataset.keep)}"]`)) {
      control.value = "";
      control.dispatchEvent(new Event("change"));
    }
  }
}
