// The console's entry point: the client key, the page router (#/playground, #/gallery, #/usage, #/admin).
import { ApiProblem, api, getKey, setKey } from "./api.js";
import { el, showError } from "./ui.js";
import * as playground from "./playground.js";
import * as audio from "./audio.js";
import * as gallery from "./gallery.js";
import * as usage from "./usage.js";
import * as admin from "./admin.js";

const PAGES = { playground, audio, gallery, usage, admin };
const context = { models: [], isAdmin: false };
let current = null;

async function connect() {
  try {
    const models = await api("/v1/models");
    // Only what can be used now: a route without credentials would fail with a 503 (GET /v1/models: available).
    context.models = (models.data || []).filter((m) => m.available !== false);
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 401) {
      const refused = getKey() ? error : null;
      setKey(""); // a refused key is not kept
      askForKey(refused);
      return false;
    }
    throw error;
  }
  try {
    context.isAdmin = Boolean((await api("/v1/admin/me")).is_admin);
  } catch {
    context.isAdmin = false;
  }
  document.querySelectorAll("[data-admin-only]").forEach((node) => { node.hidden = !context.isAdmin; });
  document.getElementById("key-form-section").hidden = true;
  renderKeyStatus();
  return true;
}

function renderKeyStatus() {
  const box = document.getElementById("key-status");
  box.replaceChildren();
  if (getKey()) {
    box.append(el("span", {}, context.isAdmin ? "Admin key" : "Client key"), " ",
      el("button", { type: "button", class: "link", onclick: () => { setKey(""); location.reload(); } }, "Forget key"));
  } else {
    box.append(el("span", {}, "Open local proxy"));
  }
}

function askForKey(error) {
  for (const page of document.querySelectorAll(".page")) page.hidden = true;
  document.getElementById("key-form-section").hidden = false;
  showError(document.getElementById("key-error"), error);
  document.getElementById("key-input").focus();
}

document.getElementById("key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  setKey(document.getElementById("key-input").value.trim());
  document.getElementById("key-input").value = "";
  if (await connect()) route();
});

function route() {
  if (!document.getElementById("key-form-section").hidden) return;
  let name = (location.hash.match(/^#\/(\w+)/) || [])[1] || "playground";
  if (!PAGES[name] || (name === "admin" && !context.isAdmin)) name = "playground";
  if (current && current !== name) PAGES[current].hide?.();
  for (const [page] of Object.entries(PAGES)) {
    document.getElementById(`page-${page}`).hidden = page !== name;
  }
  for (const link of document.querySelectorAll("nav a[data-page]")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const changed = current !== name;
  current = name;
  PAGES[name].show(context);
  if (changed) document.title = `${name[0].toUpperCase()}${name.slice(1)} · genproxy console`;
}

window.addEventListener("hashchange", () => {
  route();
  document.getElementById("main").focus({ preventScroll: true });
});

connect().then((ok) => { if (ok) route(); }).catch((error) => {
  const box = el("div", { class: "error", role: "alert" });
  document.getElementById("main").prepend(box);
  showError(box, error);
});
