// Alerts as both hubs push them: each change carries the whole alert, and a client keeps, per alert id,
// the one with the highest sequence (a change can overtake another on the way). The fields read here, on the
// board and in the agent's lists are checked against the hubs' JSON by CardAndAlertConsoleTests.

import { h } from "./dom.js";
import { formatAgo, humanize } from "./format.js";

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

/** A compact alert for the agent's side lists (without the customer id where the list is about one customer). */
export function alertItem(alert, onOpen, { showCustomer = true } = {}) {
  return h("li", { className: "alert-item", dataset: { alertId: alert.alertId } },
    h("button", { type: "button", className: "alert-open", onClick: () => onOpen(alert) },
      severityChip(alert.severity),
      h("span", { className: "alert-title" }, alert.title),
      h("span", { className: "muted" }, [humanize(alert.state), showCustomer ? alert.customerId : null, formatAgo(alert.updatedAt)].filter(Boolean).join(" · "))));
}
