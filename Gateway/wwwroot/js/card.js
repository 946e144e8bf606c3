// The live customer card. Each card the hub pushes is drawn whole; every value that differs from the
// card before is marked (a highlight that fades), and a card older than the one shown is dropped.
// CardAndAlertConsoleTests records every field this file reads: a field read must be sent, and a field sent
// must be read here or be on that test's list of fields the console does not show.

import { fact, fill, h } from "./dom.js";
import { dash, formatCurrency, formatDate, formatDateTime, formatHorizon, formatInteger, formatNumber, formatPercent, formatPoints, humanize } from "./format.js";

const knownStages = new Set(["Prospect", "New", "Repeat", "Loyal", "AtRisk", "Lapsed", "Churned", "WonBack"]);

export class CardView {
  constructor(container) {
    this.container = container;
    this.customerId = null;
    this.version = -1;
    this.values = null;
  }

  /** Starts showing a customer: a placeholder until its first card. */
  open(customerId) {
    this.customerId = customerId;
    this.version = -1;
    this.values = null;
    fill(this.container, h("div", { className: "empty", id: "card-waiting" },
      "Waiting for the card of ", h("strong", {}, customerId), ". A customer the engine has not seen yet appears with its first event."));
  }

  close() {
    this.customerId = null;
    fill(this.container, h("div", { className: "empty" }, "Open a customer to see the live card."));
  }

  /** Draws a pushed card, unless it is of another customer or not newer than the one shown. */
  show(card) {
    if (card.customerId !== this.customerId || card.version <= this.version) return false;
    const previous = this.values;
    const values = new Map();
    const changed = [];
    // Records a value under a key; true when it differs from the card before.
    const track = (key, label, value) => {
      values.set(key, value);
      if (!previous || previous.get(key) === value) return false;
      if (!changed.includes(label)) changed.push(label);
      return true;
    };
    // A value on the card, marked when it changed.
    const field = (key, label, text, tag = "span") => {
      const value = text === null || text === undefined || text === "" ? dash : String(text);
      const element = h(tag, { className: "value", dataset: { field: key } }, value);
      if (track(key, label, value)) element.classList.add("changed");
      return element;
    };
    const content = render(card, field, track);
    this.values = values;
    this.version = card.version;
    const status = h("p", { className: "card-status", id: "card-status" },
      `Version ${card.version} · updated ${formatDateTime(card.updatedAt)}`,
      changed.length ? h("span", { className: "changed-list" }, ` · changed: ${summarize(changed)}`) : null);
    fill(this.container, h("article", { className: "card", id: "card", dataset: { customer: card.customerId } }, status, content));
    return true;
  }
}

function render(card, field, track) {
  const profile = card.profile ?? {};
  const satisfaction = card.satisfaction ?? {};
  const action = card.nextBestAction ?? {};
  const stageClass = knownStages.has(card.stage) ? `stage-${card.stage}` : "stage-none";
  const money = (value) => formatCurrency(value, card.currency);
  const horizon = formatHorizon(card.horizonDays);
  const tierLetter = /^[ABC]/.test(card.tier ?? "") ? card.tier[0] : "none";

  const header = h("header", { className: "card-header" },
    h("div", {},
      h("h1", { className: "card-title" }, field("name", "name", profile.name || card.customerId)),
      h("p", { className: "muted" }, "Customer ", field("customerId", "id", card.customerId),
        profile.email ? [" · ", field("email", "email", profile.email)] : null,
        profile.phone ? [" · ", field("phone", "phone", profile.phone)] : null)),
    h("div", { className: "badges" },
      badge("Stage", field("stage", "stage", humanize(card.stage), "strong"), `since ${formatDate(card.stageSince)}`, stageClass),
      badge("Tier", field("tier", "tier", card.tier, "strong"), `since ${formatDate(card.tierSince)}`, `tier-${tierLetter}`)));

  const metrics = h("div", { className: "metrics" },
    metric("Engagement", field("engagement", "engagement", `${formatNumber(card.engagement, 0)} of 100`), meter(card.engagement / 100),
      engagementMoves(card.engagementContributions ?? [])),
    metric("Satisfaction", field("csat", "CSAT", satisfaction.csatMean == null ? "No CSAT" : `CSAT ${formatNumber(satisfaction.csatMean, 1)}`),
      h("small", {}, field("nps", "NPS", satisfaction.npsCategory ? `${humanize(satisfaction.npsCategory)} (NPS ${satisfaction.lastNps})` : "no NPS answer"),
        ` · ${complaintCount(satisfaction)}`)),
    metric("Chance still active", field("pAlive", "chance still active", formatPercent(card.probabilityAlive)), meter(card.probabilityAlive)),
    metric("Lifetime value", field("clv", "lifetime value", money(card.clv)),
      h("small", {}, `expected spend, ${horizon}: `, field("expectedSpend", "expected spend", money(card.expectedSpend)))),
    metric("Churn risk", field("churnRisk", "churn risk", formatPercent(card.churnRisk)),
      h("small", {}, field("riskBand", "risk band", humanize(card.riskBand)))));

  const nextAction = h("section", { className: "next-action" },
    h("h2", {}, "Next best action"),
    h("p", { className: "action" }, field("action", "next best action", action.action || "No action suggested")),
    h("p", { className: "muted" }, field("actionReason", "action reason", action.reason)));

  const reasons = card.churnReasons ?? [];
  const risk = section("Churn risk: why",
    reasons.length === 0 ? h("p", { className: "muted" }, "No contribution to churn risk.") :
      table(["Reason", "Contribution", "Detail"], reasons.map((reason, i) => [
        reasonKinds[reason.kind] ?? humanize(reason.kind),
        field(`reason.${i}.contribution`, `churn reason ${humanize(reason.kind)}`, `+${formatPercent(reason.contribution)}`),
        field(`reason.${i}.detail`, `churn reason ${humanize(reason.kind)}`, reason.detail),
      ]), "reasons"));

  const value = section("Value",
    h("dl", { className: "facts" },
      fact("RFM cell", field("rfmCell", "RFM cell", card.rfmCell || "not scored")),
      fact("RFM group", field("rfmGroup", "RFM group", card.rfmGroup)),
      fact("Purchase days", field("purchaseDays", "purchase days", formatInteger(card.purchaseDays))),
      fact("Purchases", field("purchaseCount", "purchases", formatInteger(card.purchaseCount))),
      fact("Total spend", field("totalSpend", "total spend", money(card.totalSpend))),
      fact("Refunded", field("refunded", "refunded", money(card.refunded))),
      fact("First purchase", field("firstPurchaseAt", "first purchase", formatDate(card.firstPurchaseAt))),
      fact("Last purchase", field("lastPurchaseAt", "last purchase", formatDate(card.lastPurchaseAt))),
      fact(`Expected purchases, ${horizon}`, field("expectedPurchases", "expected purchases", formatNumber(card.expectedPurchases, 1))),
      fact("Segments", field("segments", "segments", (card.segments ?? []).join(", ") || "none"))));

  const complaints = satisfaction.openComplaints ?? [];
  const service = section("Service",
    complaints.length === 0 ? h("p", { className: "muted" }, field("complaints", "complaints", "No open complaint.")) :
      table(["Ticket", "Severity", "Opened", "Age"], complaints.map((c) => [
        c.ticketId, humanize(c.severity), formatDateTime(c.openedAt),
        h("span", { className: c.overdue ? "overdue" : "" }, `${formatNumber(c.ageDays, 1)} d${c.overdue ? " (overdue)" : ""}`),
      ]), "complaints"),
    h("p", { className: "muted" }, field("csatAnswers", "CSAT answers", `${formatInteger(satisfaction.csatAnswers)} CSAT answers`)));

  const attributes = Object.entries(profile).sort(([a], [b]) => a.localeCompare(b));
  const profilePanel = section("Profile",
    attributes.length === 0 ? h("p", { className: "muted" }, "No profile attributes.") :
      h("dl", { className: "facts profile", id: "profile" }, attributes.map(([name, text]) => fact(name, field(`profile.${name}`, name, text)))));

  const timeline = section("Recent timeline",
    h("ol", { className: "timeline", id: "timeline" }, (card.recentEvents ?? []).map((event) => {
      const item = h("li", { dataset: { eventId: event.eventId } },
        h("time", {}, formatDateTime(event.occurredAt)),
        h("span", { className: "chip" }, event.channel),
        h("strong", {}, humanize(event.type)),
        h("span", { className: "summary" }, event.summary));
      if (track(`event.${event.eventId}`, "timeline", "seen")) item.classList.add("changed");
      return item;
    })));

  const decisions = section("Decision log",
    (card.decisionLog ?? []).length === 0 ? h("p", { className: "muted" }, "No decision yet.") :
      table(["When", "What", "From", "To", "Cause"], card.decisionLog.map((d) => [
        formatDateTime(d.at), decisionKinds[d.kind] ?? humanize(d.kind), decisionValue(d.kind, d.from), decisionValue(d.kind, d.to), d.cause,
      ]), "decisions"));

  return [header, metrics, nextAction,
    h("div", { className: "card-grid" },
      h("div", { className: "card-column" }, risk, value, service),
      h("div", { className: "card-column" }, timeline, decisions, profilePanel))];
}

/** Churn reason kinds as an agent says them. */
const reasonKinds = {
  Silence: "Time without a purchase",
  OpenHighSeverityComplaint: "Serious complaint open",
  OpenMediumSeverityComplaint: "Complaint open",
  DetractorAnswer: "Unhappy survey answer",
  RepeatedUnresolvedContacts: "Contacts left unresolved",
  Cancellation: "Cancelled",
};

const decisionKinds = { Stage: "Stage", Tier: "Value tier", Risk: "Churn risk", Outcome: "Contact outcome" };

/** A decision's from/to in words: stages and risk bands humanized ("At risk", "Won back"), tiers as they are ("A/Gold"). */
function decisionValue(kind, value) {
  if (!value) return dash;
  return kind === "Tier" ? value : humanize(value);
}

/** The latest moves of the engagement score: "purchase +10 → 10", newest first, so the number explains itself. */
function engagementMoves(contributions) {
  if (contributions.length === 0) return h("small", { className: "muted" }, "no scored activity yet");
  return h("ol", { className: "engagement-moves", id: "engagement-moves" }, contributions.slice(0, 4).map((c) =>
    h("li", { title: formatDateTime(c.at) },
      `${c.cause} ${formatPoints(c.points)} → ${formatNumber(c.scoreAfter, 0)}`,
      (c.points < 0 && c.scoreAfter === 0) || (c.points > 0 && c.scoreAfter === 100) ? h("span", { className: "muted" }, " (limit)") : null)));
}

/** "stage, tier, CLV and 5 more": the status line stays one line however much changed. */
function summarize(labels, shown = 4) {
  return labels.length <= shown ? labels.join(", ") : `${labels.slice(0, shown).join(", ")} and ${labels.length - shown} more`;
}

function complaintCount(satisfaction) {
  const open = (satisfaction.openComplaints ?? []).length;
  return open === 0 ? "no open complaint" : open === 1 ? "1 open complaint" : `${open} open complaints`;
}

function badge(label, value, since, className) {
  return h("div", { className: `badge ${className}` }, h("span", { className: "badge-label" }, label), value, h("small", {}, since));
}

function metric(label, value, ...extra) {
  return h("div", { className: "metric" }, h("span", { className: "metric-label" }, label), value, extra);
}

function meter(fraction) {
  const bar = h("span", { className: "meter-fill" });
  bar.style.width = `${Math.max(0, Math.min(1, Number(fraction) || 0)) * 100}%`;
  return h("span", { className: "meter" }, bar);
}

function section(title, ...children) {
  return h("section", { className: "card-section" }, h("h2", {}, title), children);
}


function table(headings, rows, id) {
  return h("table", { className: "grid", id },
    h("thead", {}, h("tr", {}, headings.map((text) => h("th", {}, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))));
}
