// Suggestions while the agent types in "Open a customer" (GET /api/customers/search: a partial id, the number alone,
// a name or an email prefix; two characters at least). Arrow keys move through them, Enter or a click opens one;
// Enter without a chosen suggestion asks the exact lookup, as before.

import { api } from "./api.js";
import { byId, fill, h } from "./dom.js";
import { stageName } from "./words.js";

const delayMs = 200;
const minLength = 2;

export class CustomerSearch {
  /** @param {function} onOpen opens a customer by id */
  constructor(onOpen) {
    this.onOpen = onOpen;
    this.input = byId("lookup");
    this.list = byId("lookup-suggestions");
    this.available = true;
    this.active = -1;
    this.input.addEventListener("input", () => this.#typed());
    this.input.addEventListener("keydown", (event) => this.#key(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  /** The suggestion chosen with the arrow keys, if any (the form's submit opens it instead of the lookup). */
  get chosen() {
    return this.list.hidden ? null : this.list.children[this.active]?.dataset.customerId ?? null;
  }

  close() {
    clearTimeout(this.timer);
    this.ticket = (this.ticket ?? 0) + 1;
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.active = -1;
  }

  #typed() {
    clearTimeout(this.timer);
    const query = this.input.value.trim();
    if (!this.available || query.length < minLength) {
      this.close();
      return;
    }
    this.timer = setTimeout(() => this.#search(query), delayMs);
  }

  async #search(query) {
    const ticket = (this.ticket = (this.ticket ?? 0) + 1);
    let found;
    try {
      found = await api(`/api/customers/search?q=${encodeURIComponent(query)}`);
    } catch (error) {
      // A gateway without the search keeps the exact lookup only.
      if (error.unavailable) this.available = false;
      found = [];
    }
    if (ticket !== this.ticket) return;
    this.active = -1;
    fill(this.list, found.map((match) => h("li", { role: "option", dataset: { customerId: match.customerId } },
      h("button", {
        type: "button",
        className: "suggestion",
        tabindex: "-1",
        // Before the input's blur closes the list.
        onMousedown: (event) => event.preventDefault(),
        onClick: () => this.#open(match.customerId),
      },
      h("strong", {}, match.name || match.customerId),
      h("span", { className: "muted" }, [match.name ? match.customerId : null, stageName(match.stage), match.tier ? `tier ${match.tier}` : null]
        .filter(Boolean).join(" · "))))));
    this.list.hidden = found.length === 0;
    this.input.setAttribute("aria-expanded", String(found.length > 0));
  }

  #key(event) {
    const count = this.list.hidden ? 0 : this.list.children.length;
    if (event.key === "Escape") this.close();
    if (count === 0 || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    event.preventDefault();
    this.active = (this.active + (event.key === "ArrowDown" ? 1 : count - 1) + (this.active < 0 && event.key === "ArrowUp" ? 1 : 0)) % count;
    [...this.list.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === this.active)));
  }

  #open(customerId) {
    this.close();
    this.input.value = "";
    this.onOpen(customerId);
  }
}
