// The agent console: find a customer (id, phone or email, or one of the recently active), watch the live
// card, and see the alerts about this customer and those assigned to me.

import { api, ApiError, describe } from "./api.js";
import { AlertStore, alertItem } from "./alerts.js";
import { CardView } from "./card.js";
import { byId, fill, h, setText } from "./dom.js";
import { formatAgo, humanize } from "./format.js";
import { LiveConnection } from "./live.js";
import { session } from "./session.js";

const recentRefreshMs = 10000;

export class AgentView {
  /**
   * @param {object} options onState: the connection's state; knownAlerts(customerId): alerts already held
   *   elsewhere on the page (a supervisor's board), since the agent hub sends only changes that come after a watch
   */
  constructor({ onState, knownAlerts = () => [] }) {
    this.knownAlerts = knownAlerts;
    this.card = new CardView(byId("card-area"));
    this.alerts = new AlertStore();
    this.hub = new LiveConnection("/hubs/agent", {
      handlers: {
        card: (card) => this.card.show(card),
        alert: (alert) => this.alerts.put(alert) && this.#drawAlerts(),
      },
      // A new connection watches nothing: watch the open customer again (its current card comes first).
      onConnected: (connection) => (this.card.customerId ? connection.invoke("WatchCustomer", this.card.customerId) : undefined),
      onState,
    });
    byId("lookup-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#lookup(byId("lookup").value.trim());
    });
  }

  async start() {
    this.#drawAlerts();
    await this.hub.start();
  }

  async stop() {
    clearInterval(this.recentTimer);
    this.card.close();
    await this.hub.stop();
  }

  /** The view became visible: refresh the suggestions while it is. */
  shown() {
    this.#loadRecent();
    clearInterval(this.recentTimer);
    this.recentTimer = setInterval(() => this.#loadRecent(), recentRefreshMs);
  }

  hidden() {
    clearInterval(this.recentTimer);
  }

  /** Shows a customer's live card (stops the previous one's). */
  async open(customerId) {
    const previous = this.card.customerId;
    if (previous === customerId) return;
    this.card.open(customerId);
    for (const alert of this.knownAlerts(customerId)) this.alerts.put(alert);
    this.#drawAlerts();
    setText(byId("lookup-error"), "");
    try {
      if (previous) await this.hub.invoke("UnwatchCustomer", previous);
      await this.hub.invoke("WatchCustomer", customerId);
    } catch (error) {
      // Not connected: the connection watches the open customer when it is back.
      setText(byId("lookup-error"), error.message);
    }
  }

  async #lookup(query) {
    if (!query) return;
    setText(byId("lookup-error"), "");
    try {
      const found = await api(`/api/customers/lookup?q=${encodeURIComponent(query)}`);
      await this.open(found.customerId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        setText(byId("lookup-error"), `No customer has the id, phone or email “${query}”.`);
      } else {
        setText(byId("lookup-error"), describe(error));
      }
    }
  }

  async #loadRecent() {
    const list = byId("recent");
    try {
      const recent = await api("/api/customers/recent?limit=12");
      fill(list, recent.length === 0 ? h("li", { className: "muted" }, "No customer activity yet.") :
        recent.map((item) => h("li", {},
          h("button", { type: "button", className: "suggestion", onClick: () => this.open(item.customerId) },
            h("strong", {}, item.customerId),
            h("span", { className: "muted" }, `${humanize(item.type)} on ${item.channel} · ${formatAgo(item.lastEventAt)}`)))));
    } catch (error) {
      fill(list, h("li", { className: "muted" }, describe(error)));
    }
  }

  #drawAlerts() {
    const open = (alert) => this.open(alert.customerId);
    const current = this.card.customerId;
    const about = current ? this.alerts.list((a) => a.customerId === current) : [];
    fill(byId("customer-alerts"), current === null ? h("li", { className: "muted" }, "No customer open.") :
      about.length === 0 ? h("li", { className: "muted" }, "No alert about this customer since the card opened.") : about.map((a) => alertItem(a, open, { showCustomer: false })));
    // The hub sends this connection the alerts assigned to its key's name (and the change that takes one away).
    const mine = this.alerts.list((a) => a.state !== "Resolved" && a.assignedTo === session.me.name);
    fill(byId("my-alerts"), mine.length === 0 ? h("li", { className: "muted" }, "Nothing assigned to you.") : mine.map((a) => alertItem(a, open)));
  }
}
