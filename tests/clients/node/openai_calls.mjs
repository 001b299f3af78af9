// The newest openai-node against genproxy, as an app would call it; prints what it got as one JSON line.
// Run by tests/clients/test_openai_node.py with GENPROXY_BASE_URL (…/v1) and GENPROXY_API_KEY.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.GENPROXY_BASE_URL, apiKey: process.env.GENPROXY_API_KEY, maxRetries: 0 });
const out = {};

const chat = await client.chat.completions.create({
  model: "gemini-3-flash-preview", messages: [{ role: "user", content: "hello from node" }],
});
out.chat = chat.choices[0].message.content;

let streamed = "";
const stream = await client.chat.completions.create({
  model: "gemini-3-flash-preview", messages: [{ role: "user", content: "streamed" }], stream: true,
});
for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
out.stream = streamed;

const image = await client.images.generate({ model: "gemini-3.1-flash-image", prompt: "a cat", size: "1536x1024" });
out.image_bytes = Buffer.from(image.data[0].b64_json, "base64").length;
out.image_png = Buffer.from(image.data[0].b64_json, "base64").subarray(1, 4).toString() === "PNG";

// openai-node has no createAndPoll for videos: create, then retrieve until it is done.
let video = await client.videos.create({ model: "gemini-omni-1.2-flash", prompt: "A quiet harbour", seconds: "8" });
while (video.status === "queued" || video.status === "in_progress") {
  await new Promise((resolve) => setTimeout(resolve, 100));
  video = await client.videos.retrieve(video.id);
}
out.video_status = video.status;
const content = await client.videos.downloadContent(video.id);
const bytes = Buffer.from(await content.arrayBuffer());
out.video_ftyp = bytes.subarray(4, 8).toString();

const edit = await client.videos.edit({ prompt: "now make it night", video: { id: video.id } });
out.edit_from = edit.remixed_from_video_id;
out.source_id = video.id;

try {
  await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] });
} catch (error) {
  out.error_status = error.status;
  out.error_code = error.code;
}
console.log(JSON.stringify(out));
