// "My worklist" (GET /api/worklist): the cases assigned to me first, then the at-risk customers of my team by money
// at risk. It is read again when a change of my assignments arrives on the agent hub and after I act. A gateway without
// the worklist gets the alerts the hub says are assigned to me, as before.

import { alertItem, severityChip } from "./alerts.js";
import { api, describe } from "./api.js";
import { byId, fill, h } from "./dom.js";
import { formatCurrency, formatDate } from "./format.js";
import { ageing, kindName, stageName } from "./words.js";

const refreshDelayMs = 300;

export class Worklist {
  /**
   * @param {object} options openCase(case): the agent opens a case of the list; openCustomer(customerId): an at-risk
   *   customer; mine(): my unresolved alerts from the hub, for a gateway without the worklist
   */
  constructor({ openCase, openCustomer, mine }) {
    Object.assign(this, { openCase, openCustomer, mine });
    this.available = true;
  }

  async load() {
    if (!this.available) {
      this.#drawFallback();
      return;
    }
    try {
      const worklist = await api("/api/worklist");
      this.#draw(worklist);
    } catch (error) {
      if (error.unavailable) {
        this.available = false;
        this.#drawFallback();
      } else {
        fill(byId("my-alerts"), h("li", { className: "muted" }, describe(error)));
      }
    }
  }

  /** A change that concerns my list: read it again once the burst is over. */
  refreshSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), this.available ? refreshDelayMs : 0);
  }

  stop() {
    clearTimeout(this.timer);
  }

  #draw({ assigned = [], atRisk = [] }) {
    byId("at-risk").closest(".worklist").querySelectorAll("h3, #at-risk").forEach((e) => (e.hidden = false));
    fill(byId("my-alerts"), assigned.length === 0 ? h("li", { className: "muted" }, "Nothing assigned to you.") :
      assigned.map((item) => {
        const age = ageing({ openedAt: item.openedAt, dueBy: item.dueBy, escalated: item.escalated });
        const kinds = [...new Set((item.alerts ?? []).filter((a) => a.state !== "Resolved").map((a) => kindName(a.kind)))];
        return h("li", { className: "alert-item", dataset: { customerId: item.customerId } },
          h("button", { type: "button", className: "alert-open", onClick: () => this.openCase(item) },
            severityChip(item.severity),
            h("span", { className: "alert-title" }, item.name || item.customerId),
            h("span", { className: age.urgent ? "ageing urgent" : "muted", title: age.title }, age.text),
            h("span", { className: "muted" }, [kinds.join(", "), `${formatCurrency(item.expectedLoss, item.currency)} at risk`].filter(Boolean).join(" · "))));
      }));
    fill(byId("at-risk"), atRisk.length === 0 ? h("li", { className: "muted" }, "No customer of your team is at risk.") :
      atRisk.map((customer) => h("li", { dataset: { customerId: customer.customerId } },
        h("button", { type: "button", className: "suggestion", onClick: () => this.openCustomer(customer.customerId) },
          h("strong", {}, customer.name || customer.customerId),
          h("span", { className: "muted" }, [
            `${formatCurrency(customer.expectedLoss, customer.currency)} at risk`,
            `${stageName(customer.stage)} · tier ${customer.tier || "none"}`,
            customer.lastPurchaseAt ? `last bought ${formatDate(customer.lastPurchaseAt)}` : "never bought",
          ].join(" · "))))));
  }

  #drawFallback() {
    byId("at-risk").closest(".worklist").querySelectorAll("h3, #at-risk").forEach((e) => (e.hidden = true));
    const mine = this.mine();
    fill(byId("my-alerts"), mine.length === 0 ? h("li", { className: "muted" }, "Nothing assigned to you.")
      : mine.map((alert) => alertItem(alert, (a) => this.openCustomer(a.customerId))));
  }
}
