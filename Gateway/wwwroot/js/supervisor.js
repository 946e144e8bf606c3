// The supervisor board: one row per customer with open work (a case), ranked by the engine (money at risk by
// default), with the engine's true counts and the first page at first paint (GET /api/cases), filters, sorting and
// "show more" served by the engine. Live changes arrive on the supervisor hub after the page's sequence: a change of a
// case on the board updates its row where it stands; others are announced ("3 new") and join when asked, so a row
// under the cursor never moves and the selected case stays selected. Acknowledge / assign / resolve go through the
// hub, the outcome of a contact over HTTP.

import { actOverHttp, alertWork, redrawKeeping } from "./actions.js";
import { AlertStore, severities, severityChip } from "./alerts.js";
import { api, describe } from "./api.js";
import { byId, fact, fill, h, setText } from "./dom.js";
import { dash, formatCurrency, formatDateTime, formatInteger, formatPercent } from "./format.js";
import { LiveConnection } from "./live.js";
import { ageing, distinctReasons, kindName, outcomeName, stageName } from "./words.js";

const severityRank = Object.fromEntries(severities.map((s, i) => [s, severities.length - i]));

export class SupervisorBoard {
  constructor({ onState, onOpenCustomer }) {
    // Every alert change the hub sent (after the page): the agent console shows the ones about its customer.
    this.alerts = new AlertStore();
    this.cases = new Map();
    this.selected = null;
    this.asOf = 0;
    this.nextPageToken = null;
    this.waiting = new Map();
    this.agents = null;
    this.onOpenCustomer = onOpenCustomer;
    this.hub = new LiveConnection("/hubs/supervisor", {
      handlers: {
        alert: (alert) => this.#receive(alert),
        // The hub missed more changes than a connection is sent: the page of cases is read again.
        backlog: (notice) => { if (notice.reset) this.#load(); },
      },
      // Only what came after the page (or after the last change seen, on a reconnect); without a page, the open alerts.
      query: () => {
        const after = Math.max(this.asOf, this.alerts.lastSequence);
        return after > 0 ? `after=${after}` : "";
      },
      onState,
    });
    byId("alert-filters").addEventListener("change", () => this.#load());
    byId("cases-new").addEventListener("click", () => this.#load());
    byId("cases-more").addEventListener("click", () => this.#more());
  }

  async start() {
    this.#loadAgents();
    await this.#load();
    await this.hub.start();
  }

  async stop() {
    await this.hub.stop();
  }

  /** The query of the filters and the sort, as GET /api/cases takes it. */
  #query(pageToken) {
    const form = new FormData(byId("alert-filters"));
    const query = new URLSearchParams();
    for (const name of ["kind", "severity", "state", "sort"]) {
      const value = form.get(name);
      if (value) query.set(name, value);
    }
    if (pageToken) query.set("pageToken", pageToken);
    return query;
  }

  /** The first page anew: on start, on a change of filters or sort, and when the supervisor joins what is new. */
  async #load() {
    const ticket = (this.ticket = (this.ticket ?? 0) + 1);
    try {
      const page = await api(`/api/cases?${this.#query()}`);
      if (ticket !== this.ticket) return;
      this.asOf = Math.max(this.asOf, page.asOfSequence ?? 0);
      this.cases = new Map();
      for (const waiting of [...this.waiting.keys()]) if (this.waiting.get(waiting) <= this.asOf) this.waiting.delete(waiting);
      this.#drawCounts(page);
      this.total = page.totalCases;
      fill(byId("case-rows"));
      this.#append(page);
      this.#drawDetail();
      this.#drawWaiting();
    } catch (error) {
      if (ticket !== this.ticket) return;
      fill(byId("severity-counts"), h("p", { className: "muted" }, describe(error)));
      setText(byId("alert-note"), describe(error));
    }
  }

  async #more() {
    if (!this.nextPageToken) return;
    const button = byId("cases-more");
    button.disabled = true;
    try {
      this.#append(await api(`/api/cases?${this.#query(this.nextPageToken)}`));
    } catch (error) {
      setText(byId("alert-note"), describe(error));
    } finally {
      button.disabled = false;
    }
  }

  /** Adds a page's rows under the ones shown: the rows above stay where they are. */
  #append(page) {
    const rows = byId("case-rows");
    for (const item of page.cases ?? []) {
      if (this.cases.has(item.customerId)) continue;
      this.cases.set(item.customerId, { ...item, alerts: [...(item.alerts ?? [])] });
      rows.append(this.#row(this.cases.get(item.customerId)));
    }
    this.nextPageToken = page.nextPageToken ?? null;
    byId("cases-more").hidden = !this.nextPageToken;
    const shown = this.cases.size;
    setText(byId("alert-note"), shown === 0 ? "No open case matches the filters."
      : `Showing ${formatInteger(shown)} of ${formatInteger(Math.max(this.total ?? shown, shown))} cases.`);
  }

  #drawCounts(page) {
    const counts = page.countsBySeverity ?? {};
    fill(byId("severity-counts"),
      h("div", { className: "count count-total", dataset: { severity: "total" } },
        h("span", { className: "count-value" }, formatInteger(page.totalCases ?? 0)),
        h("span", { className: "count-label" }, "open cases")),
      severities.filter((s) => s !== "Info" || counts.Info).map((severity) =>
        h("div", { className: `count count-${severity}`, dataset: { severity } },
          h("span", { className: "count-value" }, formatInteger(counts[severity] ?? 0)),
          h("span", { className: "count-label" }, `${severity.toLowerCase()}`))));
  }

  async #loadAgents() {
    try {
      this.agents = await api("/api/agents");
    } catch {
      // Without the list the picker takes a typed name, as the hub's Assign always has.
      this.agents = null;
    }
    this.#drawDetail();
  }

  #receive(alert) {
    if (!this.alerts.put(alert) || alert.sequence <= this.asOf) return;
    const item = this.cases.get(alert.customerId);
    if (item) {
      merge(item, alert);
      const row = byId("case-rows").querySelector(`tr[data-customer-id="${CSS.escape(alert.customerId)}"]`);
      if (row) {
        const focused = document.activeElement === row;
        const drawn = this.#row(item);
        drawn.classList.add("changed");
        row.replaceWith(drawn);
        if (focused) drawn.focus();
      }
      if (this.selected === alert.customerId) this.#drawDetail();
    } else if (this.#matches(alert)) {
      this.waiting.set(alert.customerId, alert.sequence);
      this.#drawWaiting();
    }
  }

  /** Whether a change about a customer not on the board belongs under the filters (so "N new" counts it). */
  #matches(alert) {
    const form = new FormData(byId("alert-filters"));
    const [kind, severity, state] = ["kind", "severity", "state"].map((name) => form.get(name));
    if (alert.state === "Resolved") return false;
    return (!kind || alert.kind === kind) && (!severity || alert.severity === severity)
      && (!state || state === "unresolved" || alert.state.toLowerCase() === state);
  }

  #drawWaiting() {
    const count = this.waiting.size;
    const button = byId("cases-new");
    button.dataset.news = count === 0 ? "none" : "some";
    setText(button, count === 1 ? "1 new case or change: show" : `${formatInteger(count)} new cases or changes: show`);
  }

  #row(item) {
    const age = ageing({ openedAt: item.openedAt, dueBy: item.dueBy, escalated: item.escalated, resolved: item.resolved });
    const open = item.alerts.filter((a) => a.state !== "Resolved");
    const kinds = [...new Set(open.map((a) => kindName(a.kind)))];
    return h("tr", {
      className: [item.customerId === this.selected ? "selected" : "", item.resolved ? "resolved" : ""].join(" ").trim(),
      dataset: { customerId: item.customerId, severity: item.severity },
      tabindex: "0",
      onClick: () => this.#select(item.customerId),
      onKeydown: (event) => this.#key(event, item.customerId),
    },
    h("td", {}, h("strong", { className: "case-name" }, item.name || item.customerId), item.name ? h("span", { className: "muted case-id" }, item.customerId) : null),
    h("td", {}, severityChip(item.severity)),
    h("td", { className: "money" }, formatCurrency(item.expectedLoss, item.currency)),
    h("td", { className: "causes" }, item.resolved ? h("span", { className: "muted" }, "Resolved: leaves the board at the next refresh") : kinds.join(", ")),
    h("td", {}, `${stageName(item.stage)} · ${item.tier || "no tier"}`),
    h("td", { className: age.urgent ? "ageing urgent" : "ageing", title: age.title }, age.text),
    h("td", { className: "assignee" }, item.assignedTo ?? h("span", { className: "muted" }, "unassigned")));
  }

  /** Enter selects the focused row; the arrows walk the rows, selecting as they go. */
  #key(event, customerId) {
    if (event.key === "Enter") this.#select(customerId);
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    const next = event.key === "ArrowDown" ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling;
    if (!next) return;
    next.focus();
    this.#select(next.dataset.customerId);
  }

  #select(customerId) {
    const previous = byId("case-rows").querySelector("tr.selected");
    previous?.classList.remove("selected");
    this.selected = customerId;
    byId("case-rows").querySelector(`tr[data-customer-id="${CSS.escape(customerId)}"]`)?.classList.add("selected");
    this.#drawDetail();
  }

  #drawDetail() {
    const panel = byId("alert-detail");
    const item = this.selected && this.cases.get(this.selected);
    if (!item) {
      fill(panel, h("div", { className: "empty" }, this.selected
        ? "The selected case is not in this list any more (resolved, or outside the filters)."
        : "Select a case to see its alerts and work on them."));
      return;
    }
    const act = async (alertId, action, body) => {
      const changed = action === "outcome" ? await actOverHttp(alertId, action, body)
        : action === "acknowledge" ? await this.hub.invoke("Acknowledge", alertId)
        : action === "assign" ? await this.hub.invoke("Assign", alertId, body.agentId)
        : await this.hub.invoke("Resolve", alertId, body.note);
      this.#receive(changed);
    };
    const agents = (this.agents ?? []).filter((agent) => (agent.teams ?? []).some((team) => team === "*" || team === item.team));
    const known = (alertId) => this.alerts.get(alertId);
    redrawKeeping(panel, () => fill(panel,
      h("header", { className: "detail-header" },
        severityChip(item.severity),
        h("h2", { id: "case-detail-title" }, item.name || item.customerId),
        h("p", { className: "muted" }, `Team ${item.team || dash} · `,
          h("button", { type: "button", className: "link", id: "case-open-customer", onClick: () => this.onOpenCustomer(item.customerId) }, `open ${item.customerId}`))),
      h("dl", { className: "facts" },
        fact("Money at risk", formatCurrency(item.expectedLoss, item.currency)),
        fact("Lifetime value", formatCurrency(item.clv, item.currency)),
        fact("Churn risk", formatPercent(item.churnRisk)),
        fact("Stage", `${stageName(item.stage)} · tier ${item.tier || dash}`),
        item.nextBestAction ? fact("Next best action", item.nextBestAction) : null),
      h("ul", { className: "case-alerts" }, item.alerts.map((alert) => caseAlert(alert, known(alert.alertId), {
        act: (action, body) => act(alert.alertId, action, body),
        canAssign: true,
        agents,
      })))));
  }
}

/** One alert of the selected case: what, how bad, where it stands, why, and the work on it. */
function caseAlert(alert, full, work) {
  const age = ageing({ openedAt: alert.raisedAt, dueBy: alert.state === "Open" ? alert.dueBy : null, escalated: alert.escalated, resolved: alert.state === "Resolved" });
  return h("li", { className: "case-alert", dataset: { alertId: alert.alertId, state: alert.state } },
    h("div", { className: "case-alert-head" },
      severityChip(alert.severity),
      h("strong", {}, kindName(alert.kind)),
      h("span", { className: age.urgent ? "ageing urgent" : "ageing muted", title: age.title }, age.text)),
    h("p", { className: "case-alert-title" }, alert.title),
    h("p", { className: "detail-state" }, stateText(alert, full), alert.outcome ? ` · last contact: ${outcomeName(alert.outcome).toLowerCase()}` : null),
    h("ul", { className: "reasons" }, distinctReasons(alert.reasons, alert.title).map((reason) => h("li", {}, reason))),
    alertWork(alert, work));
}

function stateText(alert, full) {
  switch (alert.state) {
    case "Acknowledged": return full?.acknowledgedBy ? `Acknowledged by ${full.acknowledgedBy}` : "Acknowledged";
    case "Assigned": return `Assigned to ${alert.assignedTo ?? dash}`;
    case "Resolved": return `Resolved by ${full?.resolvedBy ?? dash}${full?.resolutionNote ? `: ${full.resolutionNote}` : ""}`;
    default: return "Open, not acknowledged yet";
  }
}

/**
 * A change from the hub into the case it belongs to, where it stands on the board: the alert's state, the case's
 * severity, money, ageing and assignee; the customer's latest context. Reads named fields only (the console's
 * drift test records each read).
 */
function merge(item, alert) {
  const fresh = {
    alertId: alert.alertId,
    kind: alert.kind,
    severity: alert.severity,
    state: alert.state,
    title: alert.title,
    reasons: alert.reasons,
    assignedTo: alert.assignedTo,
    raisedAt: alert.raisedAt,
    dueBy: alert.dueBy,
    escalated: alert.escalated,
    outcome: alert.outcome,
  };
  const at = item.alerts.findIndex((a) => a.alertId === fresh.alertId);
  if (at >= 0) item.alerts[at] = fresh;
  else item.alerts.push(fresh);
  const open = item.alerts.filter((a) => a.state !== "Resolved");
  item.resolved = open.length === 0;
  if (open.length > 0) {
    item.severity = open.reduce((top, a) => ((severityRank[a.severity] ?? 0) > (severityRank[top] ?? 0) ? a.severity : top), open[0].severity);
    item.escalated = open.some((a) => a.escalated);
    const due = open.filter((a) => a.state === "Open" && a.dueBy).map((a) => a.dueBy).sort();
    item.dueBy = due[0] ?? null;
    item.assignedTo = open.find((a) => a.assignedTo)?.assignedTo ?? null;
    item.openedAt = open.map((a) => a.raisedAt).sort()[0] ?? item.openedAt;
  }
  if (alert.state !== "Resolved") {
    item.expectedLoss = Math.max(item.expectedLoss ?? 0, alert.expectedLoss ?? 0);
    item.currency = alert.currency || item.currency;
  }
  item.team = alert.team || item.team;
  const context = alert.context;
  if (context) {
    item.stage = context.stage || item.stage;
    item.tier = context.tier || item.tier;
    item.clv = context.clv ?? item.clv;
    item.churnRisk = context.churnRisk ?? item.churnRisk;
    item.nextBestAction = context.nextBestAction || item.nextBestAction;
  }
  item.lastSequence = Math.max(item.lastSequence ?? 0, alert.sequence);
}
