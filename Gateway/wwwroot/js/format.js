// Display formats: one place, so the card, the board and the demo panel read alike.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const date = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat();

export const dash = "—";

export const formatDateTime = (value) => (value ? dateTime.format(new Date(value)) : dash);

export const formatDate = (value) => (value ? date.format(new Date(value)) : dash);

export const formatMoney = (value) => (value === null || value === undefined ? dash : money.format(value));

export const formatInteger = (value) => (value === null || value === undefined ? dash : integer.format(value));

export const formatPercent = (value) => (value === null || value === undefined ? dash : `${(value * 100).toFixed(1)}%`);

export const formatNumber = (value, digits = 1) => (value === null || value === undefined ? dash : Number(value).toFixed(digits));

/** "5 min ago", relative to now (wall clock; business time in the engine may differ, so dates are shown beside it). */
export function formatAgo(value, now = Date.now()) {
  if (!value) return dash;
  const seconds = Math.round((now - new Date(value).getTime()) / 1000);
  if (Math.abs(seconds) < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return `${hours} h ago`;
  return formatDate(value);
}

/** "ChurnWarning" -> "Churn warning", "email_open" -> "Email open". */
export function humanize(name) {
  if (!name) return dash;
  const words = String(name).replace(/_/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const currencyFormats = new Map();

/** Money with its currency and thousands separators: "$1,234.50", "€80.00"; a dash for none. */
export function formatCurrency(value, currency) {
  if (value === null || value === undefined) return dash;
  const code = /^[A-Z]{3}$/.test(currency ?? "") ? currency : "USD";
  if (!currencyFormats.has(code)) currencyFormats.set(code, new Intl.NumberFormat(undefined, { style: "currency", currency: code }));
  return currencyFormats.get(code).format(value);
}

/** "next 12 months" for 365 days, "next 8 weeks" for 56, "next 10 days" for 10. */
export function formatHorizon(days) {
  if (!days) return "ahead";
  if (days >= 360 && Math.abs(days / 365 - Math.round(days / 365)) < 0.05) {
    const years = Math.round(days / 365);
    return years === 1 ? "next 12 months" : `next ${years} years`;
  }
  if (days % 7 === 0) return `next ${days / 7} weeks`;
  return `next ${days} days`;
}

/** Points with their sign: "+10", "−10" (a true minus sign). */
export const formatPoints = (value) => (value > 0 ? `+${formatNumber(value, 0)}` : `−${formatNumber(Math.abs(value), 0)}`);
