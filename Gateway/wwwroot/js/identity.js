// The open customer's identifiers (issue 17): its own id, emails, phones, external ids and the ids merged into it,
// with the conflicts over them; an admin merges another customer into this one from here.

import { api, describe } from "./api.js";
import { byId, fill, h, setText } from "./dom.js";
import { formatDateTime } from "./format.js";
import { session } from "./session.js";

const refreshMs = 2000;

export class IdentityPanel {
  constructor() {
    this.customerId = null;
    this.lastLoad = 0;
    this.list = byId("identifiers");
    this.form = byId("merge-form");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#merge();
    });
  }

  /** Shows a customer's identifiers (none when null). */
  open(customerId) {
    this.customerId = customerId;
    setText(byId("merge-result"), "");
    this.form.hidden = !(customerId && session.me?.canAdmin);
    if (!customerId) {
      fill(this.list, h("li", { className: "muted" }, "No customer open."));
      return;
    }
    this.load();
  }

  /** The card changed: its identifiers may have (a profile update), read again at most every two seconds. */
  cardChanged() {
    if (this.customerId && Date.now() - this.lastLoad > refreshMs) this.load();
  }

  async load() {
    const customerId = this.customerId;
    this.lastLoad = Date.now();
    try {
      const found = await api(`/api/customers/${encodeURIComponent(customerId)}/identifiers`);
      if (customerId !== this.customerId) return;
      fill(this.list,
        found.identifiers.map((i) => h("li", { dataset: { kind: i.kind, value: i.value } },
          h("span", { className: "chip" }, i.kind), " ", h("strong", {}, i.value),
          i.since ? h("span", { className: "muted" }, ` since ${formatDateTime(i.since)}`) : null)),
        found.conflicts.map((c) => h("li", { className: "conflict", dataset: { conflict: c.value } },
          h("span", { className: "chip" }, "conflict"), ` ${c.kind} ${c.value}: held by ${c.ownerId}, claimed by ${c.claimantId}`)));
    } catch (error) {
      if (customerId === this.customerId) fill(this.list, h("li", { className: "muted" }, describe(error)));
    }
  }

  async #merge() {
    const from = byId("merge-from").value.trim();
    const reason = byId("merge-reason").value.trim();
    const result = byId("merge-result");
    if (!from || !reason) {
      setText(result, "Name the customer to merge in and why.");
      return;
    }
    try {
      const merged = await api(`/api/customers/${encodeURIComponent(this.customerId)}/merge`, { method: "POST", body: { from, reason } });
      setText(result, `Merged ${merged.from} into ${merged.into}: ${merged.events} events.`);
      byId("merge-from").value = "";
      byId("merge-reason").value = "";
      await this.load();
    } catch (error) {
      setText(result, describe(error));
    }
  }
}
