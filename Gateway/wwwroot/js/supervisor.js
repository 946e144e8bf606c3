// The supervisor board: the live alerts of the key's teams (newest change first), filters, counts of the
// unresolved alerts by severity, and acknowledge / assign / resolve on the selected alert.

import { AlertStore, severities, severityChip } from "./alerts.js";
import { byId, fact, fill, h, setText } from "./dom.js";
import { dash, formatAgo, formatDateTime, formatMoney, formatPercent, humanize } from "./format.js";
import { LiveConnection } from "./live.js";

/** Rows drawn at most; the rest are counted, so a replay raising thousands of alerts keeps the board quick. */
const maxRows = 200;

export class SupervisorBoard {
  constructor({ onState, onOpenCustomer }) {
    this.alerts = new AlertStore();
    this.selected = null;
    this.teams = new Set();
    this.onOpenCustomer = onOpenCustomer;
    this.hub = new LiveConnection("/hubs/supervisor", {
      handlers: { alert: (alert) => this.#receive(alert) },
      // Resume exactly after the last change seen; the first connection gets the open alerts.
      query: () => (this.alerts.lastSequence > 0 ? `after=${this.alerts.lastSequence}` : ""),
      onState,
    });
    byId("alert-filters").addEventListener("change", () => this.#draw());
  }

  async start() {
    this.#draw();
    await this.hub.start();
  }

  async stop() {
    await this.hub.stop();
  }

  #receive(alert) {
    if (!this.alerts.put(alert)) return;
    if (alert.team && !this.teams.has(alert.team)) {
      this.teams.add(alert.team);
      this.#drawTeams();
    }
    // Many alerts can arrive in one burst (the backlog, a replay): draw once per frame.
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.#draw();
    });
  }

  #filters() {
    const form = new FormData(byId("alert-filters"));
    const kind = form.get("kind");
    const severity = form.get("severity");
    const state = form.get("state");
    const team = form.get("team");
    return (a) => (!kind || a.kind === kind) && (!severity || a.severity === severity) && (!team || a.team === team)
      && (!state || (state === "unresolved" ? a.state !== "Resolved" : a.state === state));
  }

  #draw() {
    this.#drawCounts();
    const shown = this.alerts.list(this.#filters());
    fill(byId("alert-rows"), shown.slice(0, maxRows).map((alert) => this.#row(alert)));
    setText(byId("alert-note"), shown.length === 0 ? "No alert matches the filters."
      : shown.length > maxRows ? `Showing the ${maxRows} latest of ${shown.length} alerts that match.` : `${shown.length} alerts.`);
    // Redraw the detail only when its alert changed, so that other alerts arriving do not take the focus
    // from what the supervisor is typing.
    const alert = this.selected && this.alerts.get(this.selected);
    const shownDetail = alert ? `${alert.alertId}@${alert.sequence}` : "";
    if (shownDetail !== this.shownDetail) {
      this.shownDetail = shownDetail;
      this.#drawDetail(alert);
    }
  }

  #drawCounts() {
    const unresolved = this.alerts.list((a) => a.state !== "Resolved");
    fill(byId("severity-counts"), severities.map((severity) =>
      h("div", { className: `count count-${severity}`, dataset: { severity } },
        h("span", { className: "count-value" }, String(unresolved.filter((a) => a.severity === severity).length)),
        h("span", { className: "count-label" }, `${severity} open`))));
  }

  #drawTeams() {
    const select = byId("team-filter");
    const chosen = select.value;
    fill(select, h("option", { value: "" }, "All"), [...this.teams].sort().map((team) => h("option", { value: team }, team)));
    select.value = chosen;
  }

  #row(alert) {
    const row = h("tr", {
      className: alert.alertId === this.selected ? "selected" : "",
      dataset: { alertId: alert.alertId, state: alert.state },
      tabindex: "0",
      onClick: () => this.#select(alert.alertId),
      onKeydown: (event) => event.key === "Enter" && this.#select(alert.alertId),
    },
    h("td", { title: formatDateTime(alert.raisedAt) }, formatAgo(alert.raisedAt)),
    h("td", {}, severityChip(alert.severity)),
    h("td", {}, humanize(alert.kind)),
    h("td", {}, alert.customerId),
    h("td", {}, alert.team || dash),
    h("td", { className: "state" }, stateText(alert)),
    h("td", { className: "title" }, alert.title));
    return row;
  }

  #select(alertId) {
    this.selected = alertId;
    this.#draw();
  }

  #drawDetail(alert) {
    const panel = byId("alert-detail");
    if (!alert) {
      fill(panel, h("div", { className: "empty" }, "Select an alert to see its context and act on it."));
      return;
    }
    // Keep what is being typed when a change of this same alert redraws the panel.
    const same = panel.dataset.alertId === alert.alertId;
    const agent = (same && byId("assign-agent")?.value) || alert.assignedTo || "";
    const note = (same && byId("resolve-note")?.value) || "";
    panel.dataset.alertId = alert.alertId;
    const context = alert.context ?? {};
    const resolved = alert.state === "Resolved";
    const error = h("p", { className: "error", id: "alert-action-error", role: "alert" });
    const act = async (method, ...args) => {
      setText(error, "");
      try {
        this.#receive(await this.hub.invoke(method, alert.alertId, ...args));
      } catch (failure) {
        setText(error, failure.message);
      }
    };
    const actions = resolved ? h("p", { className: "muted" }, alert.resolutionNote ? `Note: ${alert.resolutionNote}` : "Resolved without a note.") :
      h("div", { className: "actions" },
        h("button", { type: "button", id: "alert-acknowledge", disabled: alert.state !== "Open", onClick: () => act("Acknowledge") }, "Acknowledge"),
        h("form", { className: "action-row", onSubmit: (event) => { event.preventDefault(); act("Assign", byId("assign-agent").value.trim()); } },
          h("input", { id: "assign-agent", placeholder: "Agent (the agent key's name)", value: agent, required: true, spellcheck: "false", "aria-label": "Agent" }),
          h("button", { type: "submit", id: "alert-assign" }, "Assign")),
        h("form", { className: "action-row", onSubmit: (event) => { event.preventDefault(); act("Resolve", byId("resolve-note").value.trim()); } },
          h("input", { id: "resolve-note", placeholder: "What was done (optional)", value: note, "aria-label": "Resolution note" }),
          h("button", { type: "submit", className: "primary", id: "alert-resolve" }, "Resolve")));
    fill(panel,
      h("header", { className: "detail-header" },
        severityChip(alert.severity),
        h("h2", { id: "alert-detail-title" }, alert.title),
        h("p", { className: "muted" }, `${humanize(alert.kind)} · team ${alert.team || dash} · raised ${formatDateTime(alert.raisedAt)}`
          + (alert.occurrences > 1 ? ` · ${alert.occurrences} times` : "")),
        h("p", {}, "Customer ", h("button", { type: "button", className: "link", onClick: () => this.onOpenCustomer(alert.customerId) }, alert.customerId))),
      h("p", { className: "detail-state", id: "alert-detail-state" }, stateText(alert)),
      actions,
      error,
      h("ul", { className: "reasons" }, (alert.reasons ?? []).map((reason) => h("li", {}, reason))),
      h("dl", { className: "facts" },
        fact("Stage", humanize(context.stage)),
        fact("Tier", context.tier || dash),
        fact("Churn risk", formatPercent(context.churnRisk)),
        fact("P(alive)", formatPercent(context.probabilityAlive)),
        fact("CLV", formatMoney(context.clv)),
        fact("Total spend", formatMoney(context.totalSpend)),
        fact("Next best action", context.nextBestAction || dash)));
  }
}

function stateText(alert) {
  switch (alert.state) {
    case "Acknowledged": return `Acknowledged by ${alert.acknowledgedBy ?? dash}`;
    case "Assigned": return `Assigned to ${alert.assignedTo ?? dash}`;
    case "Resolved": return `Resolved by ${alert.resolvedBy ?? dash}`;
    default: return "Open";
  }
}

