// The console's entry: sign in with a key, then the views the key's role may see (agent console,
// supervisor board, demo feed), and sign out.

import { AgentView } from "./agent.js";
import { PopulationCharts } from "./charts.js";
import { DemoPanel } from "./demo.js";
import { SegmentsPanel } from "./segments.js";
import { byId, setText } from "./dom.js";
import { humanize } from "./format.js";
import { currentRoute, customerHash, navigate, onRouteChange, viewHash } from "./router.js";
import { SignInError, forget, identify, remember, session } from "./session.js";
import { SupervisorBoard } from "./supervisor.js";

const states = new Map();

/** One dot for all live connections: green when every one is up. */
function connectionState(name) {
  return (state) => {
    states.set(name, state);
    const all = [...states.values()];
    const overall = all.every((s) => s === "live") ? "live" : all.includes("offline") ? "offline" : "connecting";
    const dot = byId("connection-state");
    dot.dataset.state = overall;
    dot.title = { live: "Live", offline: "Connection lost, reconnecting", connecting: "Connecting" }[overall];
  };
}

let agent = null;
let board = null;
let charts = null;
let demo = null;
let segments = null;

/** What each view polls while it is shown. */
const panels = () => ({ agent, supervisor: charts, demo, segments });

function views() {
  const me = session.me;
  return { agent: me.canReadCustomers, supervisor: me.canSupervise, demo: me.canAdmin, segments: me.canAdmin };
}

/** Shows a view; its address goes in the bar (a history entry) unless the show follows the address. */
function show(view, { record = true, replace = false } = {}) {
  for (const panel of Object.values(panels())) panel?.hidden();
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-current", tab.dataset.view === view ? "page" : "false");
  panels()[view]?.shown();
  if (record) navigate(view === "agent" && agent?.card.customerId ? customerHash(agent.card.customerId) : viewHash(view), { replace });
}

/** Goes where the address says, if the key may; elsewhere the first view it may see. */
function follow(route, fallback) {
  const allowed = views();
  if (route?.customerId && allowed.agent) {
    show("agent", { record: false });
    agent.open(route.customerId);
  } else if (route?.view && allowed[route.view]) {
    show(route.view, { record: false });
  } else if (fallback) {
    show(fallback, { replace: true });
  }
}

async function enter() {
  const me = session.me;
  const allowed = views();
  byId("sign-in").hidden = true;
  byId("tabs").hidden = false;
  byId("who").hidden = false;
  setText(byId("who-name"), me.name ?? "");
  setText(byId("who-role"), humanize(me.role));
  for (const tab of document.querySelectorAll(".tab")) tab.hidden = !allowed[tab.dataset.view];

  states.clear();
  if (allowed.agent) {
    agent = new AgentView({
      onState: connectionState("agent"),
      knownAlerts: (customerId) => board?.alerts.list((alert) => alert.customerId === customerId) ?? [],
      onOpened: (customerId) => navigate(customerHash(customerId)),
    });
  }
  if (allowed.supervisor) {
    board = new SupervisorBoard({
      onState: connectionState("supervisor"),
      onOpenCustomer: allowed.agent ? (id) => { show("agent", { record: false }); agent.open(id); } : () => {},
    });
    charts = new PopulationCharts();
  }
  if (allowed.demo) demo = new DemoPanel();
  if (allowed.segments) segments = new SegmentsPanel();
  follow(currentRoute(), allowed.supervisor ? "supervisor" : allowed.agent ? "agent" : "demo");
  await Promise.all([agent?.start(), board?.start()]);
}

async function leave() {
  for (const panel of Object.values(panels())) panel?.hidden();
  await Promise.all([agent?.stop(), board?.stop()]);
  agent = board = charts = demo = segments = null;
  forget();
  // The next person starts at their own first view, not at the last one's customer.
  history.replaceState(null, "", location.pathname);
  // A fresh page: nothing of the last session's customers stays in memory or on screen.
  location.reload();
}

function showSignIn(message = "") {
  byId("sign-in").hidden = false;
  byId("tabs").hidden = true;
  byId("who").hidden = true;
  for (const section of document.querySelectorAll(".view")) section.hidden = true;
  setText(byId("sign-in-error"), message);
  byId("key").focus();
}

async function signIn(key) {
  try {
    remember(key, await identify(key));
    byId("key").value = "";
    await enter();
  } catch (error) {
    forget();
    showSignIn(error instanceof SignInError ? error.message : `The engine cannot be reached (${error.message}).`);
  }
}

byId("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = byId("key").value.trim();
  if (key) signIn(key);
});
byId("sign-out").addEventListener("click", leave);
for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => show(tab.dataset.view));
// Back, forward, or an address typed or pasted: the console follows it once signed in.
onRouteChange((route) => session.me && follow(route));

if (session.key) signIn(session.key);
else showSignIn();
