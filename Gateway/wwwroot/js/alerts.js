// Alerts as both hubs push them: each change carries the whole alert, and a client keeps, per alert id,
// the one with the highest sequence (a change can overtake another on the way). The fields read here, on the
// board and in the agent's lists are checked against the hubs' JSON by CardAndAlertConsoleTests.

import { alertWork } from "./actions.js";
import { h } from "./dom.js";
import { dash, formatAgo, formatCurrency, formatDateTime, humanize } from "./format.js";
import { ageing, distinctReasons, kindName, outcomeName } from "./words.js";

export class AlertStore {
  constructor() {
    this.byId = new Map();
    this.lastSequence = 0;
  }

  /** Keeps the alert if it is newer than the one held; true when it was. */
  put(alert) {
    this.lastSequence = Math.max(this.lastSequence, alert.sequence);
    const held = this.byId.get(alert.alertId);
    if (held && held.sequence >= alert.sequence) return false;
    this.byId.set(alert.alertId, alert);
    return true;
  }

  get(alertId) {
    return this.byId.get(alertId);
  }

  /** Drops a customer's alerts (an erased customer). */
  forget(customerId) {
    for (const [id, alert] of this.byId) if (alert.customerId === customerId) this.byId.delete(id);
  }

  /** The alerts that match, newest change first. */
  list(predicate = () => true) {
    return [...this.byId.values()].filter(predicate).sort((a, b) => b.sequence - a.sequence);
  }
}

export const severities = ["Critical", "Warning", "Info"];

const knownSeverities = new Set(severities);

/** A severity chip; the class comes from a fixed list, never from data as such. */
export function severityChip(severity) {
  return h("span", { className: `severity severity-${knownSeverities.has(severity) ? severity : "Info"}` }, severity);
}

/**
 * An alert in the agent's lists: what and how bad, where it stands, money at risk, ageing, the last contact's outcome;
 * the reasons and the work on it (acknowledge, outcome, resolve) when the caller passes work (its own assignments).
 */
export function alertItem(alert, onOpen, { showCustomer = true, work = null } = {}) {
  const resolved = alert.state === "Resolved";
  const age = ageing({ openedAt: alert.raisedAt, dueBy: alert.state === "Open" ? alert.dueBy : null, escalated: alert.escalated, resolved });
  const escalatedAt = alert.escalated && alert.escalatedAt ? `; escalated ${formatDateTime(alert.escalatedAt)}` : "";
  const facts = [
    alert.state === "Assigned" ? `Assigned to ${alert.assignedTo ?? dash}` : humanize(alert.state),
    showCustomer ? alert.customerId : null,
    alert.expectedLoss ? `${formatCurrency(alert.expectedLoss, alert.currency)} at risk` : null,
    alert.outcome ? `last contact: ${outcomeName(alert.outcome).toLowerCase()}` : null,
    alert.occurrences > 1 ? `raised ${alert.occurrences} times` : null,
    alert.updatedAt ? `updated ${formatAgo(alert.updatedAt)}` : null,
  ];
  return h("li", { className: "alert-item", dataset: { alertId: alert.alertId, state: alert.state } },
    h("button", { type: "button", className: "alert-open", onClick: () => onOpen(alert) },
      severityChip(alert.severity),
      h("span", { className: "alert-title" }, titled(alert)),
      h("span", { className: age.urgent ? "ageing urgent" : "muted", title: age.title + escalatedAt }, age.text),
      h("span", { className: "muted" }, facts.filter(Boolean).join(" · "))),
    work ? h("ul", { className: "reasons" }, distinctReasons(alert.reasons, alert.title).map((reason) => h("li", {}, reason))) : null,
    work ? alertWork(alert, work) : null);
}

/** "Churn warning: quieter than usual", without saying the kind twice when the title starts with it. */
function titled(alert) {
  const kind = kindName(alert.kind);
  const title = alert.title || "";
  return title.toLowerCase().startsWith(kind.toLowerCase()) ? title : [kind, title].filter(Boolean).join(": ");
}
