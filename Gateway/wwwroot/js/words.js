// The board's and the worklist's words: alert kinds, stages, outcomes and the ageing of work ("open 2 h",
// "due in 10 min", "escalated"), so a supervisor reads sentences rather than enum names.

import { dash, formatDateTime, humanize } from "./format.js";

/** "ChurnWarning" -> "Churn warning", "ComplaintEscalation" -> "Complaint escalation". */
export const kindName = (kind) => humanize(kind);

/** "AtRisk" -> "At risk", "WonBack" -> "Won back". */
export const stageName = (stage) => humanize(stage);

/** What an agent may record about a contact, as the engine names it and as the agent reads it. */
export const outcomes = [
  ["Reached", "Reached"],
  ["NoAnswer", "No answer"],
  ["Retained", "Retained"],
  ["Lost", "Lost"],
  ["Callback", "Callback"],
];

export const outcomeName = (outcome) => outcomes.find(([value]) => value === outcome)?.[1] ?? humanize(outcome);

/** "45 s", "10 min", "2 h", "3 days": the largest unit that fits, rounded down. */
export function duration(milliseconds) {
  const minutes = Math.floor(Math.abs(milliseconds) / 60000);
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}

/**
 * How a piece of work ages, most urgent first: "escalated", "overdue 5 min", "due in 10 min", "open 2 h", or "resolved"
 * (wall clock: the engine's business clock follows it, and replays are rebased to it). The title keeps the exact times.
 */
export function ageing({ openedAt, dueBy, escalated, resolved = false }, now = Date.now()) {
  if (resolved) return { text: "resolved", urgent: false, title: openedAt ? `opened ${formatDateTime(openedAt)}` : "" };
  const parts = [];
  if (escalated) parts.push("escalated");
  else if (dueBy) {
    const left = new Date(dueBy).getTime() - now;
    parts.push(left < 0 ? `overdue ${duration(left)}` : `due in ${duration(left)}`);
  }
  if (openedAt) parts.push(`open ${duration(now - new Date(openedAt).getTime())}`);
  const title = [openedAt ? `opened ${formatDateTime(openedAt)}` : null, dueBy ? `due by ${formatDateTime(dueBy)}` : null].filter(Boolean).join(", ");
  return { text: parts.join(" · ") || dash, urgent: parts[0] === "escalated" || parts[0]?.startsWith("overdue"), title };
}

/** The reasons worth reading: each once, and not the title said again. */
export function distinctReasons(reasons, title) {
  const seen = new Set([String(title ?? "").trim().toLowerCase()]);
  return (reasons ?? []).filter((reason) => {
    const key = String(reason).trim().toLowerCase();
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
