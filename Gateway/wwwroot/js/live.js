// A SignalR hub connection that stays up: when it drops it is built anew (with a fresh query string, so
// the supervisor board resumes after the last alert sequence it saw) and the view re-subscribes.

import { session } from "./session.js";

const retryDelays = [0, 1000, 2000, 5000, 10000];

export class LiveConnection {
  /**
   * @param {string} path the hub, e.g. "/hubs/agent"
   * @param {object} options handlers: { method: fn }; query(): extra query string for each (re)connect;
   *   onConnected(connection): (re)subscribe; onState(state): "connecting" | "live" | "offline"
   */
  constructor(path, { handlers = {}, query = () => "", onConnected = async () => {}, onState = () => {} } = {}) {
    Object.assign(this, { path, handlers, query, onConnected, onState });
    this.connection = null;
    this.stopped = false;
    this.attempt = 0;
  }

  async start() {
    this.stopped = false;
    await this.#connect();
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    const connection = this.connection;
    this.connection = null;
    if (connection) await connection.stop();
  }

  get connected() {
    return this.connection?.state === signalR.HubConnectionState.Connected;
  }

  /** Invokes a hub method; throws the hub's message (HubException text) on failure. */
  async invoke(method, ...args) {
    if (this.connection?.state !== signalR.HubConnectionState.Connected) throw new Error("not connected to the engine; retrying");
    try {
      return await this.connection.invoke(method, ...args);
    } catch (error) {
      // "An unexpected error occurred invoking 'X' on the server. HubException: reason" -> "reason"
      throw new Error(String(error.message).replace(/^.*HubException: /s, ""));
    }
  }

  async #connect() {
    if (this.stopped) return;
    this.onState("connecting");
    const extra = this.query();
    const connection = new signalR.HubConnectionBuilder()
      .withUrl(`${this.path}${extra ? `?${extra}` : ""}`, { accessTokenFactory: () => session.key })
      .configureLogging(signalR.LogLevel.None)
      .build();
    for (const [method, handler] of Object.entries(this.handlers)) connection.on(method, handler);
    connection.onclose(() => {
      if (this.connection !== connection) return;
      this.connection = null;
      this.#scheduleRetry();
    });
    this.connection = connection;
    try {
      await connection.start();
      if (this.connection !== connection) return;
      this.attempt = 0;
      await this.onConnected(connection);
      this.onState("live");
    } catch {
      if (this.connection !== connection) return;
      this.connection = null;
      await connection.stop().catch(() => {});
      this.#scheduleRetry();
    }
  }

  #scheduleRetry() {
    if (this.stopped) return;
    this.onState("offline");
    const delay = retryDelays[Math.min(this.attempt++, retryDelays.length - 1)];
    this.retry = setTimeout(() => this.#connect(), delay);
  }
}
