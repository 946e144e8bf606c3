// The population at a glance, drawn with Chart.js (vendored in lib/): customers by stage and tier, the
// stage and tier moves of the last hour, and the event rate per channel. Each chart polls its API while
// the board is shown; a gateway without the API gets a note instead of a chart.

import { api, describe } from "./api.js";
import { byId, setText } from "./dom.js";
import { formatDateTime, formatInteger, humanize } from "./format.js";

const stageOrder = ["Prospect", "New", "Repeat", "Loyal", "WonBack", "AtRisk", "Lapsed", "Churned"];
const palette = ["#2563eb", "#0d9488", "#d97706", "#9333ea", "#dc2626", "#4b5563", "#16a34a", "#db2777", "#0891b2", "#65a30d"];
const tierColors = { A: "#1d4ed8", B: "#0d9488", C: "#d97706" };
const populationRefreshMs = 10000;
const activityRefreshMs = 5000;
/** The moves charted: as many as the panel names legibly, one label per bar. */
const maxMoves = 8;

const baseOptions = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  plugins: { legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 11 } } } },
};

export class PopulationCharts {
  constructor() {
    this.charts = {};
  }

  shown() {
    this.#refreshPopulation();
    this.#refreshActivity();
    this.populationTimer = setInterval(() => this.#refreshPopulation(), populationRefreshMs);
    this.activityTimer = setInterval(() => this.#refreshActivity(), activityRefreshMs);
  }

  hidden() {
    clearInterval(this.populationTimer);
    clearInterval(this.activityTimer);
  }

  async #refreshPopulation() {
    try {
      const flow = await api("/api/population/flow");
      this.#drawCells(flow.cells ?? [], `as of ${formatDateTime(flow.cellsAsOf)}`);
      this.#drawMoves(flow);
    } catch (error) {
      setText(byId("chart-cells-note"), describe(error));
      setText(byId("chart-moves-note"), describe(error));
    }
  }

  #drawCells(cells, when) {
    const stages = ordered([...new Set(cells.map((c) => c.stage))], stageOrder);
    const tiers = [...new Set(cells.map((c) => c.tier || "none"))].sort();
    const count = (stage, tier) => cells.filter((c) => c.stage === stage && (c.tier || "none") === tier).reduce((sum, c) => sum + c.count, 0);
    this.#chart("chart-cells", {
      type: "bar",
      data: {
        labels: stages.map(humanize),
        datasets: tiers.map((tier, i) => ({
          label: tier === "none" ? "No tier" : `Tier ${tier}`,
          data: stages.map((stage) => count(stage, tier)),
          backgroundColor: tierColors[tier[0]] ?? palette[(i + 4) % palette.length],
        })),
      },
      // Every stage named under its bar (Chart.js would skip labels that do not fit side by side).
      options: { ...baseOptions, scales: { x: { stacked: true, ticks: { autoSkip: false } }, y: { stacked: true, beginAtZero: true } } },
    });
    const total = cells.reduce((sum, c) => sum + c.count, 0);
    setText(byId("chart-cells-note"), `${formatInteger(total)} customers ${when}`);
  }

  #drawMoves(flow) {
    const moves = [
      ...(flow.stageMoves ?? []).map((m) => ({ label: `${humanize(m.from) } → ${humanize(m.to)}`, count: m.count, kind: "Stage" })),
      ...(flow.tierMoves ?? []).map((m) => ({ label: `Tier ${m.from || "none"} → ${m.to || "none"}`, count: m.count, kind: "Tier" })),
    ].sort((a, b) => b.count - a.count);
    const all = moves.length;
    const total = moves.reduce((sum, m) => sum + m.count, 0);
    moves.splice(maxMoves);
    this.#chart("chart-moves", {
      type: "bar",
      data: {
        labels: moves.map((m) => m.label),
        datasets: [{
          label: "Customers",
          data: moves.map((m) => m.count),
          backgroundColor: moves.map((m) => (m.kind === "Stage" ? palette[0] : palette[2])),
        }],
      },
      options: { ...baseOptions, indexAxis: "y", plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true }, y: { ticks: { autoSkip: false, font: { size: 11 } } } } },
    });
    setText(byId("chart-moves-note"), moves.length === 0 ? "No customer changed stage or tier in the last hour."
      : `${formatInteger(total)} moves since ${formatDateTime(flow.since)} (stage in blue, tier in amber)${all > maxMoves ? `; the ${maxMoves} most frequent of ${all} kinds` : ""}`);
  }

  async #refreshActivity() {
    try {
      const activity = await api("/api/activity");
      const channels = Object.keys(activity.channels ?? {}).sort();
      const buckets = Math.max(0, ...channels.map((c) => activity.channels[c].length));
      const seconds = activity.bucketSeconds || 5;
      this.#chart("chart-activity", {
        type: "line",
        data: {
          labels: Array.from({ length: buckets }, (_, i) => `${(i - buckets + 1) * seconds}s`),
          datasets: channels.map((channel, i) => ({
            label: channel,
            data: activity.channels[channel].map((n) => n / seconds),
            borderColor: palette[i % palette.length],
            backgroundColor: palette[i % palette.length],
            pointRadius: 0,
            borderWidth: 2,
            tension: 0.3,
          })),
        },
        options: { ...baseOptions, scales: { y: { beginAtZero: true }, x: { ticks: { maxTicksLimit: 7 } } } },
      });
      const last = channels.reduce((sum, c) => sum + (activity.channels[c].at(-1) ?? 0), 0) / seconds;
      setText(byId("chart-activity-note"), channels.length === 0 ? "No events in the last five minutes."
        : `${last.toFixed(1)} events/s now, over ${channels.length} ${channels.length === 1 ? "channel" : "channels"}`);
    } catch (error) {
      setText(byId("chart-activity-note"), describe(error));
    }
  }

  /** Creates the chart on first use, then swaps its data in place. */
  #chart(canvasId, config) {
    const existing = this.charts[canvasId];
    if (existing) {
      existing.data = config.data;
      existing.update("none");
      return;
    }
    this.charts[canvasId] = new Chart(byId(canvasId), config);
  }
}

function ordered(values, order) {
  const rank = (v) => (order.includes(v) ? order.indexOf(v) : order.length);
  return values.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
