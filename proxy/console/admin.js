// Admin (admin keys only): credentials with their state and cooldowns, the routes with retired ids and what
// replaces them, and the doctor's findings.
import { api } from "./api.js";
import { el, showError, table, when } from "./ui.js";

const $ = (id) => document.getElementById(id);
let wired = false;

export function show() {
  if (!wired) {
    wired = true;
    $("doctor-refresh").addEventListener("click", () => load(true));
  }
  load(false);
}

async function load(refreshDoctor) {
  showError($("admin-error"), null);
  const body = $("admin-body");
  let credentials, routes, doctor;
  try {
    [credentials, routes, doctor] = await Promise.all([api("/v1/admin/credentials"), api("/v1/admin/routes"),
      api(`/v1/doctor${refreshDoctor ? "?refresh=true" : ""}`)]);
  } catch (error) {
    showError($("admin-error"), error);
    return;
  }
  body.replaceChildren(
    section("Credentials", table("Upstream credentials", ["Id", "Kind", "Upstreams", "Account / project", "State",
      "Cooling down until", "Token expiry"], credentials.data.map((c) => [c.id, c.kind, (c.upstreams || []).join(", "),
      [c.email, c.project].filter(Boolean).join(" / ") || "–", c.state,
      c.cooling_until ? Object.entries(c.cooling_until).map(([pool, until]) => `${pool}: ${until}`).join("; ") : "–",
      c.expiry || "–"]))),
    section("Routes", table(`Routes (${routes.file || "routes.yaml"})`, ["Model", "Modality", "Upstream", "Target",
      "Served by", "Usable", "Listed"], routes.data.map((r) => [r.model, r.modality, r.upstream, r.target,
      r.served_by ? `${r.served_by.upstream}: ${r.served_by.target}${r.served_by.why ? ` (${r.served_by.why})` : ""}`
        : "–", r.usable === false ? "no" : r.usable ? "yes" : "–", r.listed ? "yes" : "no"])),
    table("Learned from Google", ["Model", "API", "How", "Google's words"], (routes.learned_retirements || []).map(
      (f) => [f.model, f.api, f.source, f.detail || "–"])),
    table("Retired ids", ["Retired id", "Replaced by", "Shut down"], routes.retired.map((r) => [r.model, r.replaced_by,
      r.shutdown || "–"]))),
    section(`Doctor: ${doctor.ok ? "OK" : "problems found"}`,
      el("p", { class: "help" }, `${doctor.verdict || ""} Checked ${when(doctor.checked_at)}.`),
      table("Doctor: credentials", ["Credential", "Upstream", "Status", "Detail", "Models"], doctor.credentials.map((c) =>
        [c.credential_id, c.upstream, status(c.status), c.detail || "–", c.models ?? "–"])),
      table("Doctor: routes", ["Model", "Upstream", "Target", "Status", "Detail"], doctor.routes.map((r) =>
        [r.model + (r.alias_of ? ` → ${r.alias_of}` : ""), r.upstream, r.target, status(r.status), r.detail || "–"]))),
  );
}

function status(value) {
  return el("span", { class: `status status-${value}` }, value);
}

function section(title, ...content) {
  const id = `admin-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return el("section", { class: "card", "aria-labelledby": id }, el("h3", { id }, title), ...content);
}
