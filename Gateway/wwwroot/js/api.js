// The gateway's HTTP API, every call with the signed-in key. A missing endpoint (404 on a path, not a
// problem about a thing) is told apart, so a panel whose API this gateway lacks says "not available"
// instead of failing.

import { session } from "./session.js";

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
  }

  /** The endpoint does not exist on this gateway (as opposed to a 404 problem about, say, a customer). */
  get unavailable() {
    return this.status === 404 && !this.title;
  }
}

/** Sends a request; returns the parsed JSON body (null for 204), or throws an ApiError. */
export async function api(path, { method = "GET", body, key = session.key, headers: extra = {} } = {}) {
  const headers = { Accept: "application/json", ...extra };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = response.headers.get("Content-Type") ?? "";
  const json = type.includes("json") && response.status !== 204 ? await response.json() : null;
  if (!response.ok) {
    const errors = json?.errors ? Object.values(json.errors).flat().join("; ") : undefined;
    throw new ApiError(response.status, json?.title, json?.detail ?? errors);
  }
  return json;
}

/** The text a panel shows for a failed call. */
export function describe(error) {
  if (error instanceof ApiError) {
    if (error.unavailable) return "Not available on this gateway.";
    if (error.status === 401) return "The key is no longer accepted: sign in again.";
    if (error.status === 403) return "Your role may not see this.";
    return error.message;
  }
  return `The gateway cannot be reached (${error.message}).`;
}
