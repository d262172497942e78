// jsforce@3's streaming client (Faye underneath) against sfemu, unchanged:
// OAuth2 password login, Replay and AuthFailure extensions, events published
// over REST, resuming from the last replay id, server-side session drops and
// expired tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import jsforce from 'jsforce';
import { startServer } from './lib.mjs';

// jsforce documents the extensions under 'jsforce/api/streaming' (a CommonJS path).
const { StreamingExtension } = createRequire(import.meta.url)('jsforce/api/streaming');

const CHANNEL = '/event/Outbound_Notification__e';

let emu;
let conn;
const clients = [];

async function hook(path, body) {
  const res = await fetch(emu.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, body: await res.json() };
}

async function restPublish(requestId) {
  const res = await conn.sobject('Outbound_Notification__e').create({
    Request_Id__c: requestId, Contact_Point__c: 'Main', Template__c: 'Appointment_Reminder',
    Record_Ids__c: '00Q5g0000000001EAA',
  });
  assert.equal(res.success, true);
}

async function waitFor(condition, what, ms = 10000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

// A jsforce streaming client subscribed from `replayId`; collects messages.
async function subscribe(replayId, onAuthFailure = () => {}) {
  const received = [];
  const client = conn.streaming.createClient([
    new StreamingExtension.Replay(CHANNEL, replayId),
    new StreamingExtension.AuthFailure(onAuthFailure),
  ]);
  clients.push(client);
  await client.subscribe(CHANNEL, (message) => received.push(message));
  return { client, received, ids: () => received.map((m) => m.payload.Request_Id__c) };
}

// Disconnects a client. Faye arms a 1.2 x advice.timeout (132 s) timer per
// request; when the disconnect overtakes a connect just sent, Faye closes its
// transport and ignores that connect's answer, so the timer would keep Node
// alive for two minutes. Clear what is left once the client is gone.
async function close(client) {
  const done = Promise.resolve(client.disconnect()).catch(() => {});
  await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
  for (const envelope of client._dispatcher._envelopes?.values?.() ?? []) clearTimeout(envelope.timer);
}

before(async () => {
  emu = await startServer('sfemu');
  conn = new jsforce.Connection({
    oauth2: { loginUrl: emu.url, clientId: 'sfnotify-local', clientSecret: 'sfnotify-local-secret' },
    version: '62.0',
  });
  await conn.login('integration@sfnotify.demo', 'sfnotify-demo');
});

after(async () => {
  for (const c of clients) await close(c);
  if (emu) await emu.stop();
});

test('receives REST-published events with replay -2, then resumes after the last replay id', async () => {
  await restPublish('js-1');
  const first = await subscribe(-2);
  await waitFor(() => first.ids().includes('js-1'), 'the retained event');
  await restPublish('js-2');
  await waitFor(() => first.ids().includes('js-2'), 'the live event');
  assert.deepEqual(first.ids(), ['js-1', 'js-2']);

  const event = first.received[1];
  assert.equal(typeof event.schema, 'string');
  assert.match(event.event.EventUuid, /^[0-9a-f-]{36}$/);
  assert.match(event.payload.CreatedById, /^005/);
  assert.equal(event.payload.Contact_Point__c, 'Main');
  assert.ok(event.event.replayId > first.received[0].event.replayId + 1, 'ids increase, not contiguously');
  const last = event.event.replayId;
  await close(first.client);

  await restPublish('js-3');
  await restPublish('js-4');
  const resumed = await subscribe(last);
  await restPublish('js-5'); // a marker: once it arrives, everything before it has too
  await waitFor(() => resumed.ids().includes('js-5'), 'the resumed events');
  assert.deepEqual(resumed.ids(), ['js-3', 'js-4', 'js-5']);
  await close(resumed.client);
});

test('survives a server-side session drop without losing or repeating events', async () => {
  const live = await subscribe(-1);
  await restPublish('drop-1');
  await waitFor(() => live.ids().includes('drop-1'), 'the first event');

  const dropped = await hook('/__emulator/cometd/drop-sessions');
  assert.equal(dropped.status, 200);
  // Faye gets 403::Unknown client, handshakes again, and the Replay extension
  // resubscribes from the last replay id it saw.
  await restPublish('drop-2');
  await restPublish('drop-3');
  await waitFor(() => live.ids().includes('drop-3'), 'events after the drop');
  assert.deepEqual(live.ids(), ['drop-1', 'drop-2', 'drop-3']);
  await close(live.client);
});

test('the AuthFailure extension hears 401::Authentication invalid after tokens expire', async () => {
  const failures = [];
  const watched = await subscribe(-1, (message) => failures.push(message));
  const expired = await hook('/__emulator/expire-tokens');
  assert.equal(expired.status, 200);
  // Wake a held connect (the hook needs no token); the next connect is refused.
  // Whether 'auth-1' is delivered first depends on whether Faye's connect was
  // already held when the tokens expired, so only the failure is asserted.
  const published = await hook('/__emulator/publish', {
    channel: CHANNEL, user: 'sender@sfnotify.demo', payload: { Request_Id__c: 'auth-1' },
  });
  assert.equal(published.status, 201);
  await waitFor(() => failures.length > 0, 'the auth failure callback');
  assert.equal(failures[0].channel, '/meta/connect');
  assert.equal(failures[0].error, '401::Authentication invalid');
  assert.equal(failures[0].advice.reconnect, 'none');
  assert.ok(watched.ids().every((id) => id === 'auth-1'));
  await conn.login('integration@sfnotify.demo', 'sfnotify-demo'); // later tests need a token
});
