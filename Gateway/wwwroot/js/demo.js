// The demo feed (admins): replay a CDNOW file with time compressed, or run the channel simulator; the
// feed's progress, its live speed, and a stop.

import { api, describe } from "./api.js";
import { byId, fact, fill, h, setText } from "./dom.js";
import { formatDate, formatDateTime, formatInteger, humanize } from "./format.js";

const pollMs = 1000;

export class DemoPanel {
  constructor() {
    byId("replay-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      this.#command("/api/demo/replay", { file: form.get("file"), speed: Number(form.get("speed")) });
    });
    byId("simulate-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      this.#command("/api/demo/simulate", { customers: Number(form.get("customers")), eventsPerSecond: Number(form.get("eventsPerSecond")) });
    });
    byId("speed-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#command("/api/demo/speed", { speed: Number(byId("live-speed").value) }, "PUT");
    });
    byId("demo-stop").addEventListener("click", () => this.#command("/api/demo/stop", undefined));
  }

  shown() {
    this.#loadFiles();
    this.#poll();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.#poll(), pollMs);
  }

  hidden() {
    clearInterval(this.timer);
  }

  async #loadFiles() {
    const select = byId("replay-file");
    try {
      const files = await api("/api/demo/files");
      const chosen = select.value;
      fill(select, files.map((file) => h("option", { value: file.name }, `${file.name} (${formatInteger(Math.round(file.bytes / 1024))} KiB)`)));
      if (files.some((f) => f.name === chosen)) select.value = chosen;
    } catch (error) {
      fill(select, h("option", { value: "" }, describe(error)));
    }
  }

  async #command(path, body, method = "POST") {
    setText(byId("demo-error"), "");
    try {
      this.#draw(await api(path, { method, body }));
    } catch (error) {
      setText(byId("demo-error"), describe(error));
    }
  }

  async #poll() {
    try {
      this.#draw(await api("/api/demo"));
    } catch (error) {
      fill(byId("demo-facts"), fact("State", describe(error)));
    }
  }

  #draw(status) {
    if (!status || !status.state) return;
    const running = status.state === "running";
    const fraction = status.total ? status.sent / status.total : status.state === "completed" ? 1 : 0;
    const facts = [
      ["State", humanize(status.state)],
      ["Feed", status.kind ? `${humanize(status.kind)}${status.source ? ` of ${status.source}` : ""}` : "none yet"],
      ["Sent", status.total ? `${formatInteger(status.sent)} of ${formatInteger(status.total)}` : formatInteger(status.sent)],
      ["Accepted", formatInteger(status.accepted)],
      ["Duplicates", formatInteger(status.duplicates)],
      ["Rejected", formatInteger(status.rejected)],
      ["Speed", status.speed ? `${status.speed} ${status.kind === "replay" ? "days/s" : "events/s"}` : "—"],
      ["Data day", status.currentDay ? formatDate(status.currentDay) : "—"],
      ["Started", formatDateTime(status.startedAt)],
    ];
    fill(byId("demo-facts"), facts.map(([label, value]) => fact(label, value)));
    const bar = byId("demo-progress");
    bar.style.width = `${Math.round(fraction * 100)}%`;
    bar.classList.toggle("indeterminate", running && !status.total);
    if (document.activeElement !== byId("live-speed") && status.speed) byId("live-speed").value = status.speed;
    byId("demo-stop").disabled = !running;
    if (status.error) setText(byId("demo-error"), status.error);
  }
}
