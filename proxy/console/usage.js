// Usage: spend per day and per model for the key (per key name for an admin key) and the budget left, from
// GET /v1/usage?start=&end=&group_by=day|model|key. A proxy without that endpoint (404) says so.
import { ApiProblem, api } from "./api.js";
import { el, money, showError, table } from "./ui.js";

const $ = (id) => document.getElementById(id);
let wired = false;
let context = null;

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function show(ctx) {
  context = ctx;
  if (!wired) {
    wired = true;
    const today = new Date();
    $("usage-end").value = isoDay(today);
    $("usage-start").value = isoDay(new Date(today.getTime() - 29 * 86400000));
    $("usage-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  }
  load();
}

async function load() {
  const body = $("usage-body");
  showError($("usage-error"), null);
  const start = $("usage-start").value;
  const end = $("usage-end").value;
  const query = (group) => `/v1/usage?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}&group_by=${group}`;
  const groups = context.isAdmin ? ["day", "model", "key"] : ["day", "model"];
  let answers;
  try {
    answers = await Promise.all(groups.map((group) => api(query(group))));
  } catch (error) {
    body.replaceChildren();
    if (error instanceof ApiProblem && error.status === 404) {
      body.append(el("p", { class: "card notice", id: "usage-unavailable" }, "Usage not available on this proxy."));
      return;
    }
    showError($("usage-error"), error);
    return;
  }
  const [byDay, byModel, byKey] = answers;
  // serve --emulator: nothing was paid; the ledger's amounts are only what Google would have charged.
  free = Boolean(byDay.emulated);
  body.replaceChildren(...(free ? [emulatorNotice(byDay)] : []), budget(byDay.budget, byDay), dayChart(byDay),
    breakdown("Spend per model", "Model", "model", byModel));
  if (byKey) body.append(breakdown("Spend per key", "Key", "key", byKey));
}

let free = false;

/** What a row cost: nothing on the emulator. */
function cost(value) {
  return free ? money(0) : money(value);
}

function emulatorNotice(answer) {
  const total = (answer.data || []).reduce((sum, row) => sum + (row.cost_usd || 0), 0);
  return el("p", { class: "card notice", id: "usage-emulated" },
    "These requests went to genproxy's built-in emulator: nothing was paid. ",
    el("span", { class: "help" }, `At Google's prices they would have cost ${money(total)}.`));
}

function budget(info, answer) {
  const total = (answer.data || []).reduce((sum, row) => sum + (row.cost_usd || 0), 0);
  const box = el("section", { class: "card budget", "aria-labelledby": "budget-heading" },
    el("h3", { id: "budget-heading" }, "Budget"));
  const facts = el("dl", { class: "facts" },
    fact("Spent in this range", cost(total)));
  if (info && info.limit_usd !== null && info.limit_usd !== undefined) {
    facts.append(fact(`Limit (${info.period || "period"})`, money(info.limit_usd)),
      fact("Spent this period", money(info.spent_usd)), fact("Left", money(info.remaining_usd)));
    const used = info.limit_usd > 0 ? Math.min(100, Math.round((100 * info.spent_usd) / info.limit_usd)) : 100;
    box.append(facts, el("meter", { min: 0, max: 100, value: used, high: 80, optimum: 0,
      "aria-label": `Budget used: ${used}%` }), el("span", {}, ` ${used}% used`));
  } else {
    facts.append(fact("Limit", "none set"));
    box.append(facts);
  }
  return box;
}

function dayChart(answer) {
  const rows = [...(answer.data || [])].sort((a, b) => String(a.day).localeCompare(String(b.day)));
  const most = Math.max(0.000001, ...rows.map((row) => row.cost_usd || 0));
  const section = el("section", { class: "card", "aria-labelledby": "per-day-heading" },
    el("h3", { id: "per-day-heading" }, "Spend per day"));
  section.append(el("ul", { class: "bars", "aria-hidden": "true" }, rows.map((row) =>
    el("li", {}, el("span", { class: "bar-label" }, row.day),
      el("span", { class: "bar", style: null, dataset: { width: Math.round((100 * (row.cost_usd || 0)) / most) } }),
      el("span", { class: "bar-value" }, cost(row.cost_usd))))));
  section.querySelectorAll(".bar").forEach((bar) => { bar.style.width = `${bar.dataset.width}%`; });
  section.append(table("Spend per day", ["Day", "Requests", "Cost", "Video seconds", "Images", "Tokens in / out"],
    rows.map((row) => [row.day, row.requests, cost(row.cost_usd), row.video_seconds, row.images,
      `${row.input_tokens ?? 0} / ${row.output_tokens ?? 0}`])));
  return section;
}

function breakdown(caption, heading, field, answer) {
  const rows = [...(answer.data || [])].sort((a, b) => (b.cost_usd || 0) - (a.cost_usd || 0));
  return el("section", { class: "card" }, table(caption, [heading, "Requests", "Cost", "Video seconds", "Images",
    "Tokens in / out"], rows.map((row) => [row[field], row.requests, cost(row.cost_usd), row.video_seconds, row.images,
    `${row.input_tokens ?? 0} / ${row.output_tokens ?? 0}`])));
}

function fact(term, value) {
  return el("div", {}, el("dt", {}, term), el("dd", {}, value));
}
