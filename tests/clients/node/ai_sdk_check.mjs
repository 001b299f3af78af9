// The Vercel AI SDK's default openai(...) provider (which calls POST /v1/responses) against genproxy.
// Run by tests/clients/test_ai_sdk.py from the folder where `make clients` installed `ai` and `@ai-sdk/openai`;
// prints one JSON object with what each call returned.
import { generateText, streamText, tool, jsonSchema, stepCountIs } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';

const openai = createOpenAI({ baseURL: process.env.GENPROXY_BASE_URL, apiKey: process.env.GENPROXY_API_KEY });
const model = openai(process.env.GENPROXY_MODEL);
const out = {};

const first = await generateText({ model, system: 'Answer briefly.', prompt: 'hello there', maxOutputTokens: 200 });
out.generateText = { text: first.text, finishReason: first.finishReason, inputTokens: first.usage.inputTokens,
                     outputTokens: first.usage.outputTokens };

const stream = streamText({ model, prompt: 'stream me', onError: e => { out.streamError = String(e.error?.message ?? e); } });
const pieces = [];
for await (const piece of stream.textStream) pieces.push(piece);
out.streamText = { pieces, finishReason: await stream.finishReason, outputTokens: (await stream.usage).outputTokens };

const calls = [];
const weather = tool({
  description: 'Weather of a city',
  inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => { calls.push(city); return `sunny in ${city}`; },
});
const looped = await generateText({ model, prompt: 'weather in Paris? [emulate:tool]', tools: { get_weather: weather },
                                    stopWhen: stepCountIs(2) });
out.tools = { calls: [...calls], steps: looped.steps.length, finishReasons: looped.steps.map(s => s.finishReason) };

const streamedTools = streamText({ model, prompt: 'weather in Rome? [emulate:tool]', tools: { get_weather: weather },
                                   stopWhen: stepCountIs(2), onError: e => { out.toolStreamError = String(e.error?.message ?? e); } });
for await (const _ of streamedTools.textStream) { /* drain */ }
out.streamTools = { steps: (await streamedTools.steps).length, toolCalls: (await streamedTools.steps)[0].toolCalls.length };

// A second turn with the first answer's messages: the SDK sends the earlier assistant text as an item_reference.
const again = await generateText({ model, messages: [{ role: 'user', content: 'hello there' }, ...first.response.messages,
                                                     { role: 'user', content: 'again' }] });
out.multiTurn = { text: again.text };

console.log(JSON.stringify(out));
