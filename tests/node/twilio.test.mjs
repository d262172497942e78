// An independent check of smsemu with the official `twilio` npm package: its
// request validator must accept the signatures smsemu puts on status callbacks
// and inbound webhooks, and its REST client must send, fetch and list messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import twilio from 'twilio';
import { startServer } from './lib.mjs';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'smsemu-demo-token';
const SENDER = '+15005550006';

let smsemu;
let receiver;
let receiverUrl;
const posts = [];

// A webhook receiver: records every form POST with its headers and the URL it was sent to.
function startReceiver() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        const params = Object.fromEntries(new URLSearchParams(body));
        posts.push({ path: req.url, params, headers: req.headers });
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end('<Response/>');
      });
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function waitFor(predicate, what) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const value = predicate();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function client() {
  const c = twilio(ACCOUNT_SID, AUTH_TOKEN);
  // twilio@5 builds every URL from the domain's baseUrl (Domain.absoluteUrl), so
  // pointing the Api domain at smsemu redirects messages.create/fetch/list.
  c.api.baseUrl = smsemu.url;
  return c;
}

before(async () => {
  smsemu = await startServer('smsemu', []);
  receiver = await startReceiver();
  receiverUrl = `http://127.0.0.1:${receiver.address().port}`;
});

after(async () => {
  if (smsemu) await smsemu.stop();
  if (receiver) receiver.close();
});

test('the twilio client sends a message to smsemu and reads it back', async () => {
  const c = client();
  const to = '+14155550170';
  const created = await c.messages.create({ to, from: SENDER, body: 'Reminder: 3pm “today”' });
  assert.match(created.sid, /^SM[0-9a-f]{32}$/);
  assert.equal(created.status, 'queued');
  assert.equal(created.numSegments, '1');
  assert.equal(created.to, to);
  assert.equal(created.accountSid, ACCOUNT_SID);
  assert.ok(created.dateCreated instanceof Date && !Number.isNaN(created.dateCreated.getTime()));

  const fetched = await c.messages(created.sid).fetch();
  assert.equal(fetched.sid, created.sid);
  assert.equal(fetched.body, 'Reminder: 3pm “today”');

  const listed = await c.messages.list({ to });
  assert.deepEqual(listed.map((m) => m.sid), [created.sid]);
  const since = await c.messages.list({ to, dateSentAfter: new Date(Date.now() - 3600 * 1000) });
  assert.deepEqual(since.map((m) => m.sid), [created.sid]);
});

test('the twilio client sees Twilio-shaped errors', async () => {
  const c = client();
  await assert.rejects(c.messages.create({ to: '123', from: SENDER, body: 'x' }), (err) => {
    assert.equal(err.status, 400);
    assert.equal(err.code, 21211);
    assert.match(err.moreInfo, /21211/);
    return true;
  });
  const wrong = twilio(ACCOUNT_SID, 'not-the-token');
  wrong.api.baseUrl = smsemu.url;
  await assert.rejects(wrong.messages.create({ to: '+14155550171', from: SENDER, body: 'x' }), (err) => {
    assert.equal(err.status, 401);
    assert.equal(err.code, 20003);
    return true;
  });
  await assert.rejects(c.messages('SM00000000000000000000000000000000').fetch(), (err) => err.status === 404);
});

test('validateRequest accepts the signatures on status callbacks', async () => {
  const c = client();
  const callbackUrl = `${receiverUrl}/status?d=42&tenant=demo`;
  const created = await c.messages.create({
    to: '+14155550172', from: SENDER, body: 'Your code is 1234', statusCallback: callbackUrl,
  });
  const mine = await waitFor(() => {
    const got = posts.filter((p) => p.params.MessageSid === created.sid);
    return got.length >= 3 ? got : null;
  }, 'three status callbacks');
  assert.deepEqual(mine.map((p) => p.params.MessageStatus), ['sending', 'sent', 'delivered']);
  for (const p of mine) {
    assert.equal(p.path, '/status?d=42&tenant=demo');
    const signature = p.headers['x-twilio-signature'];
    assert.ok(signature, 'X-Twilio-Signature header present');
    assert.ok(p.headers['i-twilio-idempotency-token'], 'I-Twilio-Idempotency-Token header present');
    assert.equal(twilio.validateRequest(AUTH_TOKEN, signature, callbackUrl, p.params), true,
      `signature of the ${p.params.MessageStatus} callback`);
    assert.equal(twilio.validateRequest('another-token', signature, callbackUrl, p.params), false);
    assert.equal(twilio.validateRequest(AUTH_TOKEN, signature, callbackUrl,
      { ...p.params, MessageStatus: 'failed' }), false);
  }
});

test('validateRequest accepts the signature on an inbound reply webhook', async () => {
  const inboundUrl = `${receiverUrl}/inbound?source=smsemu`;
  const res = await fetch(`${smsemu.url}/__emulator/inbound`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ From: '+14155550173', To: SENDER, Body: 'Running late, sorry!', Url: inboundUrl }),
  });
  assert.equal(res.status, 200);
  const answer = await res.json();
  assert.equal(answer.webhook_status, 200);
  const post = await waitFor(() => posts.find((p) => p.params.MessageSid === answer.message_sid), 'inbound post');
  assert.equal(post.params.Body, 'Running late, sorry!');
  assert.equal(post.params.From, '+14155550173');
  assert.equal(twilio.validateRequest(AUTH_TOKEN, post.headers['x-twilio-signature'], inboundUrl, post.params), true);
  assert.equal(twilio.validateRequest(AUTH_TOKEN, post.headers['x-twilio-signature'], inboundUrl,
    { ...post.params, Body: 'tampered' }), false);
});

test('a STOP reply makes the twilio client see 21610', async () => {
  const c = client();
  const handset = '+14155550174';
  const res = await fetch(`${smsemu.url}/__emulator/inbound`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ From: handset, To: SENDER, Body: 'STOP', Url: `${receiverUrl}/inbound` }),
  });
  const answer = await res.json();
  assert.equal(answer.opt_out_type, 'STOP');
  assert.equal(answer.posted.OptOutType, 'STOP');
  await assert.rejects(c.messages.create({ to: handset, from: SENDER, body: 'x' }), (err) => err.code === 21610);
});
