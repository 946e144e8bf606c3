// The agent console: find a customer (by number, id, name, phone or email, with suggestions; or from the worklist or
// the recently active), watch the live card, work the alerts about this customer that are mine (acknowledge, record
// the outcome of a contact, resolve), and "my worklist".

import { actOverHttp, redrawKeeping } from "./actions.js";
import { api, ApiError, describe } from "./api.js";
import { AlertStore, alertItem } from "./alerts.js";
import { CardView } from "./card.js";
import { byId, fill, h, setText } from "./dom.js";
import { formatAgo, humanize } from "./format.js";
import { IdentityPanel } from "./identity.js";
import { LiveConnection } from "./live.js";
import { ErasurePanel } from "./privacy.js";
import { CustomerSearch } from "./search.js";
import { session } from "./session.js";
import { Worklist } from "./worklist.js";

const recentRefreshMs = 10000;

export class AgentView {
  /**
   * @param {object} options onState: the connection's state; knownAlerts(customerId): alerts already held
   *   elsewhere on the page (a supervisor's board), since the agent hub sends only changes that come after a watch;
   *   onOpened(customerId): a customer was opened (the address follows)
   */
  constructor({ onState, knownAlerts = () => [], onOpened = () => {} }) {
    this.knownAlerts = knownAlerts;
    this.onOpened = onOpened;
    this.card = new CardView(byId("card-area"));
    this.identity = new IdentityPanel();
    this.alerts = new AlertStore();
    this.worklist = new Worklist({
      openCase: (item) => this.#openCase(item),
      openCustomer: (customerId) => this.open(customerId),
      mine: () => this.alerts.list((a) => a.state !== "Resolved" && a.assignedTo === session.me.name),
    });
    this.hub = new LiveConnection("/hubs/agent", {
      handlers: {
        card: (card) => {
          const drawn = this.card.show(card);
          if (drawn) this.identity.cardChanged();
          return drawn;
        },
        alert: (alert) => this.#receive(alert),
      },
      // A new connection watches nothing: watch the open customer again (its current card comes first).
      onConnected: (connection) => (this.card.customerId ? connection.invoke("WatchCustomer", this.card.customerId) : undefined),
      onState,
    });
    this.search = new CustomerSearch((customerId) => this.open(customerId));
    this.erasure = new ErasurePanel({ onErased: (customerId) => this.#erased(customerId) });
    byId("lookup-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = this.search.chosen;
      this.search.close();
      if (chosen) {
        byId("lookup").value = "";
        this.open(chosen);
      } else {
        this.#lookup(byId("lookup").value.trim());
      }
    });
  }

  async start() {
    this.#drawAlerts();
    await this.hub.start();
  }

  async stop() {
    clearInterval(this.recentTimer);
    this.worklist.stop();
    this.card.close();
    this.identity.open(null);
    await this.hub.stop();
  }

  /** The view became visible: refresh the suggestions and the worklist while it is. */
  shown() {
    this.#loadRecent();
    this.worklist.load();
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
    this.identity.open(customerId);
    this.erasure.show(customerId);
    this.onOpened(customerId);
    for (const alert of this.knownAlerts(customerId)) this.alerts.put(alert);
    this.#drawAlerts();
    setText(byId("lookup-error"), "");
    // Not connected yet (a reload on the customer's address): the connection watches the open customer when it is up.
    if (!this.hub.connected) return;
    try {
      if (previous) await this.hub.invoke("UnwatchCustomer", previous);
      await this.hub.invoke("WatchCustomer", customerId);
    } catch (error) {
      // Not connected: the connection watches the open customer when it is back.
      setText(byId("lookup-error"), error.message);
    }
  }

  /** A case of the worklist: its alerts are known at once (the hub sends their later changes). */
  #openCase(item) {
    for (const alert of item.alerts ?? []) {
      this.alerts.put({ ...alert, customerId: item.customerId, currency: item.currency, sequence: item.lastSequence ?? 0 });
    }
    return this.open(item.customerId);
  }

  /** The open customer was erased: nothing of it stays on the page. */
  #erased(customerId) {
    if (this.card.customerId === customerId) {
      this.card.close();
      this.identity.open(null);
    }
    this.alerts.forget(customerId);
    this.#drawAlerts();
    if (this.hub.connected) this.hub.invoke("UnwatchCustomer", customerId).catch(() => {});
  }

  #receive(alert) {
    if (!this.alerts.put(alert)) return;
    this.#drawAlerts();
    const me = session.me.name;
    if (alert.assignedTo === me || alert.reassignedFrom === me) this.worklist.refreshSoon();
  }

  async #lookup(query) {
    if (!query) return;
    setText(byId("lookup-error"), "");
    try {
      const found = await api(`/api/customers/lookup?q=${encodeURIComponent(query)}`);
      byId("lookup").value = "";
      await this.open(found.customerId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        setText(byId("lookup-error"), `No customer has the number, id, phone or email “${query}”.`);
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
    const me = session.me;
    const about = current ? this.alerts.list((a) => a.customerId === current) : [];
    // My own assignments are mine to work; a supervisor works any alert of its teams.
    const work = (alert) => (alert.assignedTo === me.name || me.canSupervise ? {
      act: async (action, body) => {
        this.#receive(await actOverHttp(alert.alertId, action, body));
        this.worklist.refreshSoon();
      },
    } : null);
    const panel = byId("customer-alerts");
    // Redrawn as changes arrive: what the agent is typing in an outcome or a note stays.
    redrawKeeping(panel, () => fill(panel, current === null ? h("li", { className: "muted" }, "No customer open.") :
      about.length === 0 ? h("li", { className: "muted" }, "No alert about this customer.")
        : about.map((a) => alertItem(a, open, { showCustomer: false, work: work(a) }))));
    if (!this.worklist.available) this.worklist.load();
  }
}
