// An address for what is on screen: "#/customer/<id>" for an open customer, "#/supervisor", "#/agent", "#/demo", "#/segments"
// for the views. Opening a customer or a view adds a history entry, so back and forward walk through them, and a reload
// (the key stays in the tab's session) comes back to the same place.

const customerPrefix = "#/customer/";

/** What the address asks for: { view, customerId? }, or null for none. */
export function currentRoute(hash = location.hash) {
  if (hash.startsWith(customerPrefix)) {
    const id = safeDecode(hash.slice(customerPrefix.length));
    return id ? { view: "agent", customerId: id } : null;
  }
  const view = /^#\/(agent|supervisor|demo|segments)$/.exec(hash)?.[1];
  return view ? { view } : null;
}

export const customerHash = (customerId) => `${customerPrefix}${encodeURIComponent(customerId)}`;

export const viewHash = (view) => `#/${view}`;

/** Puts the address in the bar (a new history entry) unless it is there already. */
export function navigate(hash, { replace = false } = {}) {
  if (location.hash === hash) return;
  if (replace) history.replaceState(null, "", hash);
  else history.pushState(null, "", hash);
}

/** Calls back with the route when back/forward (or a typed address) changes it. */
export function onRouteChange(callback) {
  const changed = () => callback(currentRoute());
  window.addEventListener("popstate", changed);
  window.addEventListener("hashchange", changed);
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
