// Calls to genproxy's own API: the client key (kept in sessionStorage only), JSON, errors as the API states them,
// and server-sent events for streamed chat completions.

const KEY = "genproxy.key";

export function getKey() {
  return sessionStorage.getItem(KEY) || "";
}

export function setKey(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

/** An error answered by the API: its OpenAI-shaped {message, type, param, code} and the HTTP status. */
export class ApiProblem extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.type = error?.type || null;
    this.param = error?.param || null;
    this.code = error?.code || null;
  }
}

function headers(extra = {}) {
  const out = { ...extra };
  const key = getKey();
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

export async function problemOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return new ApiProblem(response.status, body?.error || { message: `${response.status} ${response.statusText}` });
}

/** fetch a /v1 path; JSON in and out; throws ApiProblem for an error answer. */
export async function api(path, { method = "GET", body, signal } = {}) {
  const init = { method, headers: headers(body !== undefined ? { "Content-Type": "application/json" } : {}), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

/** A binary answer (a video) as a Blob. */
export async function blob(path, { signal } = {}) {
  const response = await fetch(path, { headers: headers(), signal });
  if (!response.ok) throw await problemOf(response);
  return response.blob();
}

/**
 * POST a chat completion with stream: true and call onChunk(json) for each data event (keep-alive comments are
 * skipped). An error sent inside the stream ({"error": ...}) is thrown as an ApiProblem.
 */
export async function streamChat(body, onChunk, { signal } = {}) {
  const response = await fetch("/v1/chat/completions", {
    method: "POST", signal,
    headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify({ ...body, stream: true }),
  });
  if (!response.ok) throw await problemOf(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let scanned = 0; // where the search for the end of the event resumes: a video's event is megabytes long
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n", scanned)) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      scanned = 0;
      const data = event.split("\n").filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, "")).join("\n");
      if (!data) continue; // ": keep-alive" comments
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data);
      // An error after the stream began (the job failed): the HTTP status was already 200, so none is shown.
      if (chunk.error) throw new ApiProblem(null, chunk.error);
      onChunk(chunk);
    }
    scanned = Math.max(0, buffer.length - 1);
  }
}

/** A data: URI as a Blob (a video answered inline), so the player gets a blob: URL. */
export async function dataUriBlob(uri) {
  return (await fetch(uri)).blob();
}
