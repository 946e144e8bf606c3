// Who is signed in. The key lives in sessionStorage: it survives a reload of the tab, not the tab
// itself, and signing out removes it.

const storageKey = "engagement.key";

export const session = {
  key: sessionStorage.getItem(storageKey),
  /** { name, role, teams, canReadCustomers, canSupervise, canAdmin } once signed in. */
  me: null,
};

export class SignInError extends Error {}

/** Asks the gateway what the key may do; throws a SignInError with a sentence for the person at the screen. */
export async function identify(key) {
  const response = await fetch("/api/me", { headers: { Authorization: `Bearer ${key}`, Accept: "application/json" } });
  if (response.status === 401) throw new SignInError("This key is not known to the engine.");
  if (!response.ok) throw new SignInError(`The engine refused the key (HTTP ${response.status}).`);
  return refuseChannel(await response.json());
}

function refuseChannel(me) {
  if (!me.canReadCustomers && !me.canSupervise && !me.canAdmin) {
    throw new SignInError(`This is a ${me.role} key: it sends events and cannot open the console. Sign in with an agent, supervisor or admin key.`);
  }
  return me;
}

export function remember(key, me) {
  sessionStorage.setItem(storageKey, key);
  session.key = key;
  session.me = me;
}

export function forget() {
  sessionStorage.removeItem(storageKey);
  session.key = null;
  session.me = null;
}
