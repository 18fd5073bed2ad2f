// The official OpenAI and Anthropic SDKs against a running Sluice (SLUICE_BASE, SLUICE_KEY): streaming and plain
// chat, embeddings, model lists and error classes, printed as one JSON object for RealSdkClientsIT to check.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const base = process.env.SLUICE_BASE;
const key = process.env.SLUICE_KEY;
const model = process.env.SLUICE_UPSTREAM_MODEL; // a route to the fake OpenAI upstream
const results = {};

const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 });
let text = '';
let usage = null;
const stream = await openai.chat.completions.create({
  model, stream: true, stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'hello' }],
});
for await (const chunk of stream) {
  text += chunk.choices[0]?.delta?.content ?? '';
  if (chunk.usage) usage = chunk.usage;
}
results.openaiStream = { text, usage };

const completion = await openai.chat.completions.create({
  model: 'demo', messages: [{ role: 'user', content: 'ping' }],
});
results.openaiComplete = {
  text: completion.choices[0].message.content,
  finish: completion.choices[0].finish_reason,
  usage: completion.usage,
};

// The SDK asks for base64 by default and decodes it to numbers itself.
const embeddings = await openai.embeddings.create({ model: 'demo', input: ['alpha', 'beta'] });
results.openaiEmbeddings = {
  count: embeddings.data.length,
  dims: embeddings.data[0].embedding.length,
  first: embeddings.data[0].embedding[0],
  usage: embeddings.usage,
};
const floats = await openai.embeddings.create({ model: 'demo', input: 'alpha', encoding_format: 'float' });
results.openaiEmbeddingsFloatFirst = floats.data[0].embedding[0];

const models = [];
for await (const m of openai.models.list()) models.push(m.id);
results.openaiModels = models;

try {
  await new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-wrong', maxRetries: 0 }).chat.completions.create({
    model: 'demo', messages: [{ role: 'user', content: 'x' }],
  });
  results.openaiAuthError = null;
} catch (e) {
  results.openaiAuthError = { status: e.status, code: e.code, name: e.constructor.name };
}

// A key whose tenant's budget is spent: the SDK raises RateLimitError at once (the gateway sends x-should-retry: false,
// so even the default two retries are not spent on a budget that resets at midnight UTC).
const budgetStarted = Date.now();
try {
  await new OpenAI({ baseURL: `${base}/v1`, apiKey: process.env.SLUICE_BROKE_KEY }).chat.completions.create({
    model: 'demo', messages: [{ role: 'user', content: 'spend' }],
  });
  results.openaiBudgetError = null;
} catch (e) {
  results.openaiBudgetError = {
    status: e.status, code: e.code, type: e.type, name: e.constructor.name, millis: Date.now() - budgetStarted,
  };
}

const anthropic = new Anthropic({ baseURL: base, apiKey: key, maxRetries: 0 });
const messageStream = anthropic.messages.stream({
  model, max_tokens: 100, messages: [{ role: 'user', content: 'hello' }],
});
let anthropicText = '';
messageStream.on('text', (t) => { anthropicText += t; });
const final = await messageStream.finalMessage();
results.anthropicStream = { text: anthropicText, stop: final.stop_reason, usage: final.usage, blocks: final.content.length };

const message = await anthropic.messages.create({
  model: 'demo', max_tokens: 50, messages: [{ role: 'user', content: 'ping' }],
});
results.anthropicComplete = { text: message.content[0].text, stop: message.stop_reason, usage: message.usage };

try {
  await new Anthropic({ baseURL: base, apiKey: 'sk-wrong', maxRetries: 0 }).messages.create({
    model: 'demo', max_tokens: 5, messages: [{ role: 'user', content: 'x' }],
  });
  results.anthropicAuthError = null;
} catch (e) {
  results.anthropicAuthError = { status: e.status, type: e.error?.error?.type, name: e.constructor.name };
}

// The same deterministic request twice through each SDK: the second answer streams from the response cache and must
// parse exactly like the first (fresh ids, the same text and usage, [DONE] or message_stop).
async function openaiCached() {
  const { data: cachedStream, response } = await openai.chat.completions.create({
    model, stream: true, stream_options: { include_usage: true }, temperature: 0,
    messages: [{ role: 'user', content: 'cache this answer' }],
  }).withResponse();
  let t = '';
  let u = null;
  for await (const chunk of cachedStream) {
    t += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) u = chunk.usage;
  }
  return { text: t, usage: u, cache: response.headers.get('x-sluice-cache') };
}
// The gateway stores an answer after the client has it, so an immediate repeat may still miss: pause a moment.
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
results.openaiCachedFirst = await openaiCached();
await settle();
results.openaiCachedSecond = await openaiCached();

async function anthropicCached() {
  const { data: events, response } = await anthropic.messages.create({
    model, max_tokens: 100, temperature: 0, stream: true,
    messages: [{ role: 'user', content: 'cache this message' }],
  }).withResponse();
  let t = '';
  let stop = null;
  for await (const event of events) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') t += event.delta.text;
    if (event.type === 'message_delta') stop = event.delta.stop_reason;
  }
  return { text: t, stop, cache: response.headers.get('x-sluice-cache') };
}
results.anthropicCachedFirst = await anthropicCached();
await settle();
results.anthropicCachedSecond = await anthropicCached();

const anthropicModels = [];
for await (const m of anthropic.models.list()) anthropicModels.push(m.id);
results.anthropicModels = anthropicModels;

console.log(JSON.stringify(results));
