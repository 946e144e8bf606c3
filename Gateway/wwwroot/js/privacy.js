// An admin's erasure of the open customer (issue 17): a confirmation that names what goes and asks for the customer's id
// typed again, then DELETE /api/customers/{id}. The answer is the erasure's audit record, which names the customer only
// by a keyed hash; the console shows its id and closes the customer.

import { api, describe } from "./api.js";
import { byId, fill, h, setText } from "./dom.js";
import { session } from "./session.js";

export class ErasurePanel {
  /** @param {object} options onErased(customerId, receipt): the customer is gone, close it */
  constructor({ onErased }) {
    this.panel = byId("privacy-panel");
    this.body = byId("privacy-actions");
    this.onErased = onErased;
    this.customerId = null;
  }

  /** The customer now open (null: none); only an admin sees the panel. */
  show(customerId) {
    if (customerId === this.customerId && !this.panel.hidden) return;
    this.customerId = customerId;
    this.panel.hidden = !session.me?.canAdmin || customerId === null;
    if (!this.panel.hidden) this.#idle();
  }

  #idle() {
    fill(this.body, h("button", { type: "button", className: "danger", id: "erase-start", onClick: () => this.#confirm() }, "Erase this customer…"));
  }

  #confirm() {
    const id = this.customerId;
    const error = h("p", { className: "error", role: "alert", id: "erase-error" });
    const go = h("button", { type: "submit", className: "danger", id: "erase-confirm", disabled: true }, "Erase permanently");
    const typed = h("input", {
      id: "erase-confirm-id", spellcheck: "false", autocomplete: "off", "aria-label": "The customer id, to confirm",
      onInput: () => { go.disabled = typed.value.trim() !== id; },
    });
    const form = h("form", {
      className: "erase-form", id: "erase-form",
      onSubmit: async (event) => {
        event.preventDefault();
        if (typed.value.trim() !== id) return;
        go.disabled = true;
        setText(error, "");
        try {
          const receipt = await api(`/api/customers/${encodeURIComponent(id)}`, { method: "DELETE" });
          this.#done(id, receipt);
        } catch (failure) {
          setText(error, describe(failure));
          go.disabled = false;
        }
      },
    },
    h("p", {}, "This deletes everything the engine holds about ", h("strong", {}, id),
      ": profile, contacts, history, traits, decisions and alerts. Its later events are refused. This cannot be undone."),
    h("label", { for: "erase-confirm-id" }, "Type the customer id to confirm"),
    typed,
    h("div", { className: "action-row" }, go, h("button", { type: "button", id: "erase-cancel", onClick: () => this.#idle() }, "Cancel")),
    error);
    fill(this.body, form);
    typed.focus();
  }

  #done(id, receipt) {
    this.customerId = null;
    fill(this.body, h("p", { id: "erasure-result", dataset: { erasureId: receipt.erasureId } },
      `Erased ${id}: ${receipt.rowsDeleted} records deleted. Audit record ${receipt.erasureId}.`));
    this.onErased(id, receipt);
  }
}
