// The studio's entry: shows the sign-in screen or the studio itself, and moves between the
// desk, the reports, Vision and Integrations as the address's hash says (`#/desk/…`,
// `#/reports/<name>`, `#/vision`, `#/integrations`).

import { isSignedIn, onSessionEnd, request, resume, SessionEnded, signOut } from "./api.js";
import { element, replace } from "./dom.js";
import { showSignIn } from "./signin.js";
import { Desk } from "./desk.js";
import { Vision } from "./vision.js";
import { Integrations } from "./integrations.js";
import { ReportScreen, reportAddress } from "./reports.js";
import { Workspace } from "./workspace.js";
import { GlobalSearch } from "./globalsearch.js";
import { FirstRun, isFirstRun } from "./firstrun.js";

const root = document.getElementById("studio");
let current = null;
let workspace = null;
let everywhere = null;

onSessionEnd((reason) => {
  current?.close?.();
  current = null;
  workspace = null;
  everywhere?.destroy();
  everywhere = null;
  showSignIn(root, { notice: reason, onSignedIn: start });
});

window.addEventListener("hashchange", () => {
  if (isSignedIn() && workspace) route();
});

async function boot() {
  if (await resume()) {
    await start();
  } else {
    showSignIn(root, { onSignedIn: start });
  }
}

/** Loads what every screen needs (who the editor is, the schema, the desk), then the screen. */
async function start() {
  replace(root, element("main", { id: "main", tabindex: "-1" }, element("p", { class: "loading" }, "Loading the studio…")));
  try {
    // A server without document actions or reports answers 404: the studio then offers none.
    const optional = (path, empty) => request(path).catch((error) => {
      if (error instanceof SessionEnded) throw error;
      return empty;
    });
    const [me, schema, structure, actions, reports] = await Promise.all([
      request("/v1/auth/me"),
      request("/v1/schema"),
      request("/v1/structure"),
      optional("/v1/actions", { actions: [] }),
      optional("/v1/reports", { reports: [] }),
    ]);
    workspace = new Workspace({ me, schema, structure, actions: actions.actions ?? [], reports: reports.reports ?? [] });
    workspace.firstRun = await isFirstRun(workspace);
    everywhere?.destroy();
    everywhere = new GlobalSearch(workspace);
  } catch (error) {
    if (!isSignedIn()) return;
    replace(root, element("main", { id: "main", class: "failure", role: "alert" },
      element("h1", {}, "The studio could not load"),
      element("p", {}, error.message),
      element("button", { type: "button", onclick: start }, "Try again")));
    return;
  }
  route();
}

function route() {
  const hash = location.hash || "#/desk";
  const screen = hash.startsWith("#/vision") ? "vision" : hash.startsWith("#/integrations") ? "integrations"
    : hash.startsWith("#/reports") ? `report:${reportAddress(hash).name}` : "desk";
  if (current?.screen === screen) {
    current.navigate?.(hash);
    return;
  }
  current?.close?.();
  const content = element("main", { class: "screen", id: "main", tabindex: "-1" });
  replace(root, header(screen), content);
  if (screen === "desk" && workspace.firstRun) {
    current = new FirstRun(content, workspace, () => {
      workspace.firstRun = false;
      current = null;
      route();
    });
    current.screen = "first-run";
    return;
  }
  current = screen.startsWith("report:")
    ? new ReportScreen(content, workspace, hash)
    : screen === "vision"
    ? new Vision(content, workspace)
    : screen === "integrations"
    ? new Integrations(content, workspace)
    : new Desk(content, workspace, hash);
  current.screen = screen;
}

function header(screen) {
  const link = (name, href, title) => element("a", {
    href, class: "nav-link", "aria-current": screen === name ? "page" : null,
  }, title);
  return element("header", { class: "studio-header" },
    element("span", { class: "brand" }, "Facet Studio"),
    element("nav", { "aria-label": "Studio" },
      link("desk", "#/desk", "Desk"),
      workspace.reports.map((report) => link(`report:${report.name}`, `#/reports/${encodeURIComponent(report.name)}`, report.title)),
      link("vision", "#/vision", "Vision"),
      link("integrations", "#/integrations", "Integrations")),
    element("button", { type: "button", class: "search-button", id: "open-search", title: "Search everywhere (Ctrl+K)",
      onclick: () => everywhere?.open() }, "Search", element("kbd", { class: "shortcut", "aria-hidden": "true" }, "Ctrl K")),
    element("div", { class: "identity" },
      element("span", { class: "who", title: "Signed in" }, `${workspace.me.name} (${workspace.me.role})`),
      element("button", { type: "button", class: "sign-out", onclick: () => signOut() }, "Sign out")));
}

boot();
