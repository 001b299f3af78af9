// Playground: pick a model, write a prompt, set the options its limits allow, watch progress over SSE, play
// the result; a follow-up edits an Omni video (the conversation goes back), extends a Veo 3.1 video (remix),
// or continues a text/image chat.
import { api, blob, dataUriBlob, streamChat } from "./api.js";
import { buildOptions } from "./options.js";
import { el, readFiles, showError } from "./ui.js";

const GROUPS = [["Video", ["video", "omni"]], ["Image", ["image"]], ["Text", ["text"]]];
const $ = (id) => document.getElementById(id);
const details = new Map(); // model id -> GET /v1/models/{id}
let ready = false;
let options = null;
let model = null;
let conversation = []; // messages sent back on the next turn
let lastVideo = null; // {job_id, model, type}
let busy = false;

export function show(context) {
  if (ready) return;
  ready = true;
  const select = $("model");
  const known = new Set();
  for (const [label, modalities] of GROUPS) {
    const models = context.models.filter((m) => !m.alias_of && modalities.includes(m.modality));
    models.forEach((m) => known.add(m.id));
    if (models.length) select.append(el("optgroup", { label }, models.map((m) => el("option", { value: m.id }, m.id))));
  }
  // Speech and music have their own page (audio.js).
  const others = context.models.filter((m) => !m.alias_of && !known.has(m.id) && !["speech", "music"].includes(m.modality));
  if (others.length) select.append(el("optgroup", { label: "Other" }, others.map((m) => el("option", { value: m.id }, m.id))));
  select.addEventListener("change", () => chooseModel(select.value));
  $("play-form").addEventListener("submit", (event) => { event.preventDefault(); start(); });
  $("follow-form").addEventListener("submit", (event) => { event.preventDefault(); followUp(); });
  $("new-thread").addEventListener("click", resetThread);
  const wanted = new URLSearchParams(location.hash.split("?")[1] || "").get("model");
  if (wanted && known.has(wanted)) select.value = wanted;
  chooseModel(select.value);
}

async function chooseModel(id) {
  if (!id) return;
  showError($("play-error"), null);
  try {
    if (!details.has(id)) details.set(id, await api(`/v1/models/${encodeURIComponent(id)}`));
  } catch (error) {
    showError($("play-error"), error);
    return;
  }
  const previous = model;
  model = details.get(id);
  $("model-help").textContent = model.description || `${model.modality} model`;
  options = buildOptions(model, $("option-fields"), $("input-fields"), $("limit-note"));
  $("options").hidden = !options.hasFields;
  $("inputs").hidden = Object.keys(options.uploads).length === 0;
  if (previous && previous.modality !== model.modality) resetThread();
  updateFollowForm();
  $("play-form").dataset.model = model.id; // the options on show are this model's
}

function resetThread() {
  conversation = [];
  lastVideo = null;
  $("thread").replaceChildren();
  $("progress-box").hidden = true;
  updateFollowForm();
}

function setBusy(value) {
  busy = value;
  // aria-disabled, not disabled: a disabled button drops the keyboard focus to the page body, and whoever
  // pressed Start lost their place when the generation finished. The handlers check `busy`.
  for (const id of ["start", "follow-start"]) $(id).setAttribute("aria-disabled", String(value));
}

/** After a generation: the focus stays where the user is; if it has nowhere to be (the page body, a hidden
 * form), it goes to the answer (or, after an error, to the prompt), not to the top of the page. */
function settle(target) {
  setBusy(false);
  const active = document.activeElement;
  if (active && active !== document.body && !active.closest("[hidden]")) return;
  if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
}

function progress(status, percent, jobId) {
  $("progress-box").hidden = false;
  $("progress").value = percent ?? 0;
  $("progress-text").textContent = `${status}${percent != null ? ` ${percent}%` : ""}${jobId ? ` · job ${jobId}` : ""}`;
}

async function userContent(prompt, withUploads) {
  const content = [{ type: "text", text: prompt }];
  if (!withUploads) return { content, config: {} };
  const config = {};
  const uploads = options.uploads;
  for (const url of await readFiles(uploads.first_frame)) content.push({ type: "image_url", image_url: { url } });
  for (const url of await readFiles(uploads.images)) content.push({ type: "image_url", image_url: { url } });
  const [last] = await readFiles(uploads.last_frame);
  if (last && !uploads.last_frame.disabled) config.last_frame = last;
  const references = await readFiles(uploads.reference_images);
  if (references.length && !uploads.reference_images.disabled) config.reference_images = references;
  return { content, config };
}

function requestBody(messages, config) {
  const body = { model: model.id, messages };
  const chosen = options.values();
  if (options.type === "video" || options.type === "omni") {
    body.modalities = ["video", "text"];
    body.video_config = { ...chosen, ...config };
  } else if (options.type === "image") {
    body.modalities = ["image", "text"];
    if (Object.keys(chosen).length) body.image_config = chosen;
  }
  return body;
}

function addTurn(role, who, ...content) {
  const item = el("li", { class: `turn ${role}` }, el("p", { class: "who" }, who), ...content);
  $("thread").append(item);
  return item;
}

async function start() {
  const prompt = $("prompt").value.trim();
  showError($("play-error"), null);
  if (!prompt) {
    showError($("play-error"), { message: "Write a prompt first." });
    $("prompt").focus();
    return;
  }
  if (busy) return;
  const { content, config } = await userContent(prompt, true);
  // A new prompt in the main form starts a new generation; Omni edits and chats go through the follow-up form.
  if (options.type !== "text" && options.type !== "image") conversation = [];
  await send(prompt, content, config);
}

async function send(prompt, content, config) {
  const messages = [...conversation, { role: "user", content }];
  const body = requestBody(messages, config);
  setBusy(true);
  addTurn("user", "You", el("p", {}, prompt));
  const answer = { text: "", videos: [], images: [], jobId: null };
  const reply = addTurn("assistant", model.id, el("p", { class: "answer-text", "aria-live": "polite" }, "…"));
  progress("starting", 0, null);
  try {
    await streamChat(body, (chunk) => {
      if (chunk.genproxy) {
        answer.jobId = chunk.genproxy.job_id;
        progress(chunk.genproxy.status, chunk.genproxy.progress, chunk.genproxy.job_id);
      }
      const delta = chunk.choices?.[0]?.delta || {};
      if (delta.content) {
        answer.text += delta.content;
        reply.querySelector(".answer-text").textContent = answer.text;
      }
      if (delta.videos) answer.videos.push(...delta.videos);
      if (delta.images) answer.images.push(...delta.images);
    });
  } catch (error) {
    reply.remove();
    $("thread").lastElementChild?.remove();
    $("progress-box").hidden = true;
    showError($("play-error"), error);
    settle($("prompt"));
    return;
  }
  reply.querySelector(".answer-text").textContent = answer.text || "(no text)";
  progress("completed", 100, answer.jobId);
  for (const video of answer.videos) {
    reply.append(await player(await dataUriBlob(video.video_url.url), video.job_id || answer.jobId, body.video_config));
  }
  for (const image of answer.images) {
    const url = URL.createObjectURL(await dataUriBlob(image.image_url.url));
    reply.append(el("figure", {}, el("img", { src: url, alt: `Image generated from: ${prompt}` }),
      el("figcaption", {}, el("a", { href: url, download: "image.png" }, "Download image"))));
  }
  conversation = [...messages, assistantMessage(answer)];
  if (answer.videos.length) {
    lastVideo = { job_id: answer.videos[0].job_id || answer.jobId, type: options.type, limits: options.limits };
  }
  $("prompt").value = "";
  updateFollowForm();
  settle(reply);
}

function assistantMessage(answer) {
  const message = { role: "assistant", content: answer.text };
  // The Omni plugin finds the video to edit by its job id in the conversation (no need to send the video back).
  if (answer.videos.length) message.videos = answer.videos.map((v) => ({ type: "video_url", job_id: v.job_id }));
  return message;
}

/** A player for a video Blob, with its job id, facts and a download link. */
export function player(videoBlob, jobId, config = {}) {
  const url = URL.createObjectURL(videoBlob);
  const facts = [config?.duration_seconds && `${config.duration_seconds} s`, config?.aspect_ratio, config?.resolution]
    .filter(Boolean).join(" · ");
  return el("figure", { class: "player" },
    el("video", { src: url, controls: true, playsinline: true, preload: "auto", "aria-label": `Video ${jobId || ""}`,
      dataset: { jobId: jobId || "" } }),
    el("figcaption", {}, facts ? `${facts} · ` : "", jobId ? `job ${jobId} · ` : "",
      el("a", { href: url, download: `${jobId || "video"}.mp4` }, "Download")));
}

function updateFollowForm() {
  const form = $("follow-form");
  const label = $("follow-label");
  const type = options?.type;
  if (lastVideo?.type === "omni" && type === "omni") {
    label.textContent = "Edit this video (a follow-up prompt)";
    form.hidden = false;
  } else if (lastVideo?.type === "video" && lastVideo.limits?.extend) {
    label.textContent = "Extend this video (what happens next)";
    form.hidden = false;
  } else if (conversation.length && (type === "text" || type === "image")) {
    label.textContent = "Reply";
    form.hidden = false;
  } else {
    form.hidden = true;
  }
}

async function followUp() {
  const prompt = $("follow-prompt").value.trim();
  if (!prompt || busy) return;
  showError($("play-error"), null);
  $("follow-prompt").value = "";
  if (lastVideo?.type === "video") return extend(prompt);
  // Omni: the conversation (with the assistant message naming the job) makes this an edit of the last video.
  await send(prompt, [{ type: "text", text: prompt }], {});
}

/** Veo 3.1: POST /v1/videos/{id}/remix extends the video; poll it, then play it. */
async function extend(prompt) {
  setBusy(true);
  addTurn("user", "You (extend)", el("p", {}, prompt));
  const reply = addTurn("assistant", model.id, el("p", { class: "answer-text" }, "Extending…"));
  try {
    let video = await api(`/v1/videos/${lastVideo.job_id}/remix`, { method: "POST", body: { prompt } });
    while (video.status === "queued" || video.status === "in_progress") {
      progress(video.status, video.progress, video.id);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      video = await api(`/v1/videos/${video.id}`);
    }
    if (video.status !== "completed") throw Object.assign(new Error(video.error?.message || video.status), video.error || {});
    progress("completed", 100, video.id);
    reply.querySelector(".answer-text").textContent = `Extended video ${lastVideo.job_id}.`;
    reply.append(player(await blob(`/v1/videos/${video.id}/content`), video.id,
      { duration_seconds: Number(video.seconds) }));
    lastVideo = { ...lastVideo, job_id: video.id };
  } catch (error) {
    reply.remove();
    showError($("play-error"), error);
    settle($("follow-prompt"));
    return;
  }
  settle(reply);
}
