// Speech and music: speak a text with a Gemini TTS model (POST /v1/audio/speech) or make a song with Lyria
// (a chat completion, its progress over SSE); the result plays in an audio player and can be downloaded.
import { api, getKey, problemOf, streamChat } from "./api.js";
import { el, showError } from "./ui.js";

const $ = (id) => document.getElementById(id);
const details = new Map(); // model id -> GET /v1/models/{id}
let ready = false;
let busy = false;

export function show(context) {
  if (ready) return;
  ready = true;
  const select = $("audio-model");
  for (const [label, modality] of [["Speech", "speech"], ["Music", "music"]]) {
    const models = context.models.filter((m) => !m.alias_of && m.modality === modality);
    if (models.length) select.append(el("optgroup", { label }, models.map((m) => el("option", { value: m.id }, m.id))));
  }
  select.addEventListener("change", () => chooseModel(select.value));
  $("audio-form").addEventListener("submit", (event) => { event.preventDefault(); start(); });
  if (select.value) chooseModel(select.value);
}

function fill(selectId, values, chosen) {
  const select = $(selectId);
  select.replaceChildren(...values.map(([value, label]) => el("option", { value }, label)));
  if (chosen !== undefined) select.value = chosen;
}

async function chooseModel(id) {
  showError($("audio-error"), null);
  try {
    if (!details.has(id)) details.set(id, await api(`/v1/models/${encodeURIComponent(id)}`));
  } catch (error) {
    showError($("audio-error"), error);
    return;
  }
  const model = details.get(id);
  const limits = model.limits || {};
  const speech = model.modality === "speech";
  document.querySelectorAll("[data-speech-only]").forEach((node) => { node.hidden = !speech; });
  document.querySelectorAll("[data-music-only]").forEach((node) => { node.hidden = speech; });
  $("audio-text-label").textContent = speech ? "Text to speak" : "Describe the music";
  if (speech) {
    fill("audio-voice", (limits.voices || [{ name: "alloy", gemini_voice: "Kore", style: "Firm" }])
      .map((v) => [v.name, v.name === v.gemini_voice ? `${v.name} (${v.style})` : `${v.name} → ${v.gemini_voice}`]), "alloy");
    fill("audio-format", (limits.response_formats || ["mp3", "wav"]).map((f) => [f, f]), "mp3");
  } else {
    fill("audio-format", (limits.formats || ["mp3"]).map((f) => [f, f]), "mp3");
    const seconds = limits.duration_seconds || {};
    const duration = $("audio-duration");
    duration.disabled = Boolean(seconds.fixed);
    duration.value = seconds.fixed || "";
    duration.min = seconds.min || 1;
    duration.max = seconds.max || 600;
    $("audio-duration-help").textContent = seconds.fixed ? `Always ${seconds.fixed} s.`
      : `${seconds.min}-${seconds.max} s, or empty for the model's choice.`;
  }
  $("audio-form").dataset.model = id;
}

function progress(percent, text) {
  $("audio-progress-box").hidden = percent === null;
  if (percent !== null) {
    $("audio-progress").value = percent;
    $("audio-progress-text").textContent = text;
  }
}

async function speak(model) {
  const body = { model, input: $("audio-text").value, voice: $("audio-voice").value,
                 response_format: $("audio-format").value, speed: Number($("audio-speed").value || 1) };
  const instructions = $("audio-instructions").value.trim();
  if (instructions) body.instructions = instructions;
  const headers = { "Content-Type": "application/json" };
  const key = getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch("/v1/audio/speech", { method: "POST", headers, body: JSON.stringify(body) });
  if (!response.ok) throw await problemOf(response);
  const format = body.response_format;
  return { blob: await response.blob(), name: `speech.${format === "opus" ? "ogg" : format}`, text: null };
}

async function sing(model) {
  const config = {};
  const duration = $("audio-duration");
  if (!duration.disabled && duration.value) config.duration_seconds = Number(duration.value);
  if ($("audio-instrumental").checked) config.instrumental = true;
  const body = { model, modalities: ["audio", "text"], messages: [{ role: "user", content: $("audio-text").value }],
                 ...(Object.keys(config).length ? { music_config: config } : {}),
                 ...($("audio-format").value !== "mp3" ? { audio: { format: $("audio-format").value } } : {}) };
  let audio = null;
  let jobId = null;
  progress(0, "queued");
  await streamChat(body, (chunk) => {
    const facts = chunk.genproxy || {};
    if (facts.job_id) {
      jobId = facts.job_id;
      progress(facts.progress || 0, `${facts.status} · job ${facts.job_id}`);
    }
    const delta = chunk.choices?.[0]?.delta;
    if (delta?.audio?.data) audio = delta;
  });
  if (!audio) throw new Error("The answer had no audio.");
  progress(100, `completed · job ${jobId}`);
  const mime = audio.audio.mime_type || "audio/mpeg";
  const bytes = Uint8Array.from(atob(audio.audio.data), (c) => c.charCodeAt(0));
  return { blob: new Blob([bytes], { type: mime }), name: `${jobId || "song"}.${mime === "audio/wav" ? "wav" : "mp3"}`,
           text: audio.content };
}

async function start() {
  if (busy) return;
  const model = $("audio-model").value;
  const form = $("audio-form");
  if (!form.reportValidity()) return;
  busy = true;
  // aria-disabled, not disabled: a disabled button drops the keyboard focus to the page body (playground.js).
  $("audio-start").setAttribute("aria-disabled", "true");
  showError($("audio-error"), null);
  try {
    const speech = details.get(model)?.modality === "speech";
    const made = speech ? await speak(model) : await sing(model);
    const url = URL.createObjectURL(made.blob);
    const item = el("li", { class: "card" },
      el("p", {}, el("strong", {}, model), ` · ${$("audio-text").value.slice(0, 80)}`),
      el("audio", { controls: true, src: url }),
      el("p", {}, el("a", { href: url, download: made.name, class: "download" }, `Download ${made.name}`)),
      made.text ? el("pre", { class: "lyrics" }, made.text) : null);
    $("audio-results").prepend(item);
  } catch (error) {
    showError($("audio-error"), error);
    progress(null);
  } finally {
    busy = false;
    $("audio-start").setAttribute("aria-disabled", "false");
  }
}
