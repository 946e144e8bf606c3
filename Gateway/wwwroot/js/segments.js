// Segments (admins): the segments in force, an editor that counts the customers a rule would match before it is saved,
// each segment's versions (who changed it and when), and removal. A save names the version it replaces, so two admins
// editing one segment do not overwrite each other unseen.

import { api, ApiError, describe } from "./api.js";
import { byId, fill, h, setText } from "./dom.js";
import { formatDateTime, formatInteger } from "./format.js";

const pageSize = 100;

export class SegmentsPanel {
  /** The segment being edited: { name, version } of the version loaded, or null for a new one. */
  #editing = null;
  #next = null;

  constructor() {
    byId("segment-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#save();
    });
    byId("segment-dry-run").addEventListener("click", () => this.#dryRun());
    byId("segment-new").addEventListener("click", () => this.#edit(null));
    byId("segments-more").addEventListener("click", () => this.#load(this.#next));
  }

  shown() {
    this.#load(null);
  }

  hidden() {}

  async #load(after) {
    const note = byId("segment-note");
    try {
      const query = new URLSearchParams({ pageSize: String(pageSize) });
      if (after) query.set("pageToken", after);
      const page = await api(`/api/segments?${query}`);
      const rows = page.segments.map((segment) => this.#row(segment));
      if (after) byId("segment-rows").append(...rows);
      else fill(byId("segment-rows"), rows);
      this.#next = page.nextPageToken;
      byId("segments-more").hidden = !this.#next;
      const shown = byId("segment-rows").children.length;
      setText(note, shown === 0 ? "No segments yet. Define one with the form." : `${formatInteger(shown)} segment${shown === 1 ? "" : "s"}${this.#next ? " so far" : ""}.`);
    } catch (error) {
      setText(note, describe(error));
    }
  }

  #row(segment) {
    return h("tr", { dataset: { name: segment.name }, "aria-selected": String(this.#editing?.name === segment.name) },
      h("td", {}, h("strong", {}, segment.name), segment.description ? h("div", { className: "muted" }, segment.description) : null),
      h("td", { className: "rule" }, segment.rule),
      h("td", {}, String(segment.version)),
      h("td", {}, `${formatDateTime(segment.changedAt)} by ${segment.changedBy} (${segment.changedByRole})`),
      h("td", {},
        h("button", { type: "button", className: "link", onClick: () => this.#open(segment.name) }, "Edit"),
        " ",
        h("button", { type: "button", className: "link danger", onClick: () => this.#remove(segment) }, "Remove")));
  }

  async #open(name) {
    this.#message("");
    try {
      const history = await api(`/api/segments/${encodeURIComponent(name)}`);
      this.#edit(history.current.removed ? null : history.current, history.versions);
      if (history.current.removed) byId("segment-name").value = history.current.name;
    } catch (error) {
      this.#message(describe(error));
    }
  }

  /** Fills the form with a version to change (or empties it for a new segment), with the segment's versions. */
  #edit(segment, versions = []) {
    this.#editing = segment ? { name: segment.name, version: segment.version } : null;
    setText(byId("segment-form-title"), segment ? `Change ${segment.name}` : "New segment");
    byId("segment-name").value = segment?.name ?? "";
    byId("segment-name").readOnly = !!segment;
    byId("segment-rule").value = segment?.rule ?? "";
    byId("segment-description").value = segment?.description ?? "";
    setText(byId("segment-count"), "");
    this.#message("");
    for (const row of byId("segment-rows").children) row.setAttribute("aria-selected", String(row.dataset.name === segment?.name));
    fill(byId("segment-versions"), versions.length === 0
      ? h("li", { className: "muted" }, segment ? "No versions." : "Choose a segment to see its versions.")
      : versions.map((v) => h("li", {},
        `Version ${v.version}: ${v.removed ? "removed" : ""}`, v.removed ? null : h("code", {}, v.rule),
        h("div", { className: "muted" }, `${formatDateTime(v.changedAt)} by ${v.changedBy} (${v.changedByRole})${v.source === "file" ? ", from the rules file" : ""}`))));
    byId(segment ? "segment-rule" : "segment-name").focus();
  }

  async #dryRun() {
    this.#message("");
    setText(byId("segment-count"), "Counting…");
    try {
      const result = await api("/api/segments/dry-run", { method: "POST", body: { rule: byId("segment-rule").value } });
      const estimate = result.traitsNotStored.length > 0
        ? ` An estimate: ${result.traitsNotStored.join(", ")} ${result.traitsNotStored.length === 1 ? "is" : "are"} not kept with the stored customers and counted as missing.`
        : "";
      setText(byId("segment-count"), `${formatInteger(result.matching)} of ${formatInteger(result.examined)} customers match this rule now.${estimate}`);
    } catch (error) {
      setText(byId("segment-count"), "");
      this.#message(describe(error));
    }
  }

  async #save() {
    this.#message("");
    const name = byId("segment-name").value.trim();
    const headers = this.#editing ? { "If-Match": `"${this.#editing.version}"` } : { "If-None-Match": "*" };
    try {
      const saved = await api(`/api/segments/${encodeURIComponent(name)}`, {
        method: "PUT",
        headers,
        body: { rule: byId("segment-rule").value, description: byId("segment-description").value },
      });
      setText(byId("segment-count"), `Saved as version ${saved.version}. Customers enter and leave it in the background.`);
      this.#editing = { name: saved.name, version: saved.version };
      await this.#load(null);
      await this.#open(saved.name);
      setText(byId("segment-count"), `Saved as version ${saved.version}. Customers enter and leave it in the background.`);
    } catch (error) {
      this.#message(error instanceof ApiError && error.status === 412
        ? `Someone changed ${name} meanwhile (or it exists already). Open it again to see the latest version, then repeat your change.`
        : describe(error));
    }
  }

  async #remove(segment) {
    if (!confirm(`Remove the segment ${segment.name}? Its members leave it, and its history is kept.`)) return;
    this.#message("");
    try {
      await api(`/api/segments/${encodeURIComponent(segment.name)}`, { method: "DELETE", headers: { "If-Match": `"${segment.version}"` } });
      if (this.#editing?.name === segment.name) this.#edit(null);
      await this.#load(null);
    } catch (error) {
      this.#message(describe(error));
    }
  }

  #message(text) {
    setText(byId("segment-error"), text);
  }
}
