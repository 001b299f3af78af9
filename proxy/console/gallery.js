// Gallery: the key's video jobs (GET /v1/videos), newest first, refreshed while any is running; a player for
// finished ones, remix (an Omni edit, a Veo 3.1 extension) and delete.
import { api, blob } from "./api.js";
import { player } from "./playground.js";
import { el, money, showError, when } from "./ui.js";

const $ = (id) => document.getElementById(id);
const players = new Map(); // job id -> figure (kept across refreshes: no re-download)
let timer = null;
let wired = false;
let visible = false;

// A page of cards at a time (GET /v1/videos pages with limit and after): a short test made 38 videos, and one
// page of all of them was a long scroll and as many video downloads.
export const PAGE_SIZE = 12;
// The id each shown page starts after (null: the newest page); the last is the page on show.
let cursors = [null];

export function show() {
  visible = true;
  if (!wired) {
    wired = true;
    $("gallery-refresh").addEventListener("click", () => refresh());
    $("gallery-older").addEventListener("click", () => turn(1));
    $("gallery-newer").addEventListener("click", () => turn(-1));
  }
  refresh();
}

function turn(step) {
  if (step > 0) cursors.push(lastShown);
  else if (cursors.length > 1) cursors.pop();
  refresh().then(() => $("gallery-heading").focus());
}

let lastShown = null;

export function hide() {
  visible = false;
  clearTimeout(timer);
}

async function refresh() {
  clearTimeout(timer);
  let page;
  const after = cursors[cursors.length - 1];
  try {
    page = await api(`/v1/videos?limit=${PAGE_SIZE}&order=desc${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    showError($("gallery-error"), null);
  } catch (error) {
    if (after && error.status === 404) { // the video this page started after was deleted: back to the newest
      cursors = [null];
      return refresh();
    }
    showError($("gallery-error"), error);
    return;
  }
  const jobs = page.data || [];
  if (!jobs.length && cursors.length > 1) { // the last videos of this page were deleted
    cursors.pop();
    return refresh();
  }
  lastShown = page.last_id;
  const first = (cursors.length - 1) * PAGE_SIZE + 1;
  const running = jobs.filter((job) => job.status === "queued" || job.status === "in_progress").length;
  $("gallery-status").textContent = jobs.length
    ? `Videos ${first}–${first + jobs.length - 1}${page.has_more || cursors.length > 1 ? "" : ` of ${jobs.length}`}`
      + `${running ? `, ${running} running (updating)` : ""}`
    : "No videos yet: make one in the Playground.";
  $("gallery-older").hidden = !page.has_more;
  $("gallery-newer").hidden = cursors.length === 1;
  $("gallery-page").textContent = cursors.length > 1 || page.has_more ? `Page ${cursors.length}` : "";
  const list = $("gallery");
  const focused = document.activeElement?.closest?.("[data-job]")?.dataset.job;
  list.replaceChildren(...jobs.map(card));
  if (focused) list.querySelector(`[data-job="${focused}"] button`)?.focus();
  if (running && visible) timer = setTimeout(refresh, 1500);
}

function card(job) {
  const item = el("li", { class: `job ${job.status}`, dataset: { job: job.id } });
  const done = job.status === "completed";
  item.append(
    el("h3", {}, job.prompt || "(no prompt)"),
    el("dl", { class: "facts" },
      fact("Status", job.status === "failed" ? `failed: ${job.error?.message || job.error?.code || ""}` : job.status,
        job.status === "failed"),
      fact("Model", job.model), fact("Length", `${job.seconds} s`), fact("Size", job.size),
      fact("Created", when(job.created_at)), fact("Id", job.id),
      job.remixed_from_video_id ? fact("From", job.remixed_from_video_id) : null,
      job.cost_usd !== undefined ? fact("Cost", money(job.cost_usd)) : null));
  if (job.status === "queued" || job.status === "in_progress") {
    item.append(el("progress", { max: 100, value: job.progress || 0, "aria-label": `Progress of ${job.id}` }),
      el("span", {}, ` ${job.progress || 0}%`));
  }
  if (done) {
    const slot = el("div", { class: "slot" });
    item.append(slot);
    if (players.has(job.id)) slot.append(players.get(job.id));
    else {
      slot.append(el("p", { class: "help" }, "Loading video…"));
      slot.dataset.video = job.id;
      slot.dataset.seconds = job.seconds;
      // Downloaded when the card comes near the screen, not all at once.
      viewer().observe(slot);
    }
  }
  const error = el("div", { class: "error", role: "alert", hidden: true });
  const actions = el("div", { class: "actions" });
  if (done) {
    const id = `remix-${job.id}`;
    const input = el("input", { id, type: "text", placeholder: "What changes, or what happens next" });
    actions.append(el("form", { class: "remix", onsubmit: async (event) => {
      event.preventDefault();
      if (!input.value.trim()) return;
      try {
        await api(`/v1/videos/${job.id}/remix`, { method: "POST", body: { prompt: input.value.trim() } });
        refresh();
      } catch (problem) {
        showError(error, problem);
      }
    } }, el("label", { for: id }, "Remix / extend"), input, el("button", { type: "submit" }, "Remix")));
  }
  actions.append(el("button", { type: "button", class: "danger", onclick: async () => {
    if (!confirm(`Delete video ${job.id}?`)) return;
    try {
      await api(`/v1/videos/${job.id}`, { method: "DELETE" });
      const gone = players.get(job.id)?.querySelector("video");
      if (gone) URL.revokeObjectURL(gone.src);
      players.delete(job.id);
      refresh();
    } catch (problem) {
      showError(error, problem);
    }
  } }, `Delete`, el("span", { class: "visually-hidden" }, ` video ${job.id}`)));
  item.append(actions, error);
  return item;
}

let observer = null;

function viewer() {
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      load(entry.target);
    }
  }, { rootMargin: "400px" });
  return observer;
}

const loading = new Set();

function load(slot) {
  const id = slot.dataset.video;
  if (loading.has(id)) return; // a redrawn card: the download under way fills it
  loading.add(id);
  blob(`/v1/videos/${id}/content`).then((data) => {
    const figure = player(data, id, { duration_seconds: Number(slot.dataset.seconds) });
    players.set(id, figure);
    // The list may have been redrawn meanwhile: put the player into the card shown now.
    const current = document.querySelector(`#gallery [data-video="${id}"]`) || slot;
    current.replaceChildren(figure);
  }).catch((error) => {
    const box = el("div", { class: "error", role: "alert" });
    slot.replaceChildren(box);
    showError(box, error);
  }).finally(() => loading.delete(id));
}

function fact(term, value, wide = false) {
  return el("div", { class: wide ? "wide" : null }, el("dt", {}, term), el("dd", {}, value ?? "–"));
}
