// End-to-end check of the view-history web page in a real browser: Debian's
// chromium driven by playwright-core loads the page from a running connector
// (with sfemu and smsemu), filters by status, opens a detail view and checks
// what it shows, then writes a screenshot next to the binaries' folder
// (build/history-page.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BIN_DIR, waitFor } from './lib.mjs';
import { startHistoryStack } from './history_stack.mjs';

const ADMIN_KEY = 'page-admin-key';
const READ_KEY = 'page-read-key';

let stack, sfemu, api, context;

async function call(base, method, target, body, key = ADMIN_KEY) {
  const res = await fetch(base + target, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  stack = await startHistoryStack({
    name: 'history-page',
    contactPoints: [
      { name: 'Main', sender: '+15005550006', roles: ['SMS_Notification_Sender'], max_messages_per_second: 100,
        quiet_hours: 'none', price_per_segment: 0.0079 },
      { name: 'Alerts', sender: '+15005550006', roles: ['Everyone'], max_messages_per_second: 100,
        quiet_hours: 'none', price_per_segment: 0.01 },
    ],
    http: {
      api_keys: [{ name: 'ops', key_env: 'PAGE_ADMIN_KEY', role: 'admin' },
        { name: 'viewer', key_env: 'PAGE_READ_KEY', role: 'read' }],
    },
    env: { PAGE_ADMIN_KEY: ADMIN_KEY, PAGE_READ_KEY: READ_KEY },
    viewport: { width: 1280, height: 1100 },
  });
  ({ sfemu, api, context } = stack);
});

after(async () => {
  await stack?.stop();
});

test('the history page filters by status and shows a notification in detail', async () => {
  const records = await (await fetch(`${sfemu.url}/__emulator/records?type=Lead`)).json();
  const leads = records.records.filter((r) => !r.IsDeleted).map((r) => r.Id).slice(0, 3);
  assert.equal(leads.length, 3);
  const users = await (await fetch(`${sfemu.url}/__emulator/records?type=User`)).json();
  const userId = (name) => users.records.find((u) => u.Username === name).Id;

  const sent = await call(api, 'POST', '/v1/notifications', {
    request_id: 'page-1', contact_point: 'Alerts', requested_by: userId('sender@sfnotify.demo'),
    message: 'Browser check: your appointment is tomorrow', record_ids: leads,
  });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const sentId = sent.body.notification_id;
  // The viewer holds no sender permission set for Main: refused, but kept in the history.
  const refused = await call(api, 'POST', '/v1/notifications', {
    request_id: 'page-2', contact_point: 'Main', requested_by: userId('viewer@sfnotify.demo'),
    message: 'Not allowed', record_ids: [leads[0]],
  });
  assert.equal(refused.body.status, 'refused', JSON.stringify(refused.body));
  const refusedId = refused.body.notification_id;
  await waitFor(async () => (await call(api, 'GET', `/v1/history/${sentId}`)).body.notification.status === 'done');

  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // The wrong key below makes the browser log its 401s; anything else is a problem.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text()); });
  await page.goto(`${api}/`);
  assert.match(await page.locator('#message').textContent(), /API key/);

  // A wrong key is reported, not silently ignored.
  await page.fill('#key', 'not-a-key');
  await page.click('#save-key');
  await page.waitForSelector('#message.error');
  assert.match(await page.locator('#message').textContent(), /valid API key/);

  await page.fill('#key', READ_KEY);
  await page.click('#save-key');
  const rows = page.locator('#history tbody tr[data-id]');
  await waitFor(async () => (await rows.count()) === 2);
  assert.equal(await rows.nth(0).getAttribute('data-id'), refusedId);  // newest first

  await page.selectOption('#f-status', 'refused');
  await page.click('#apply');
  await waitFor(async () => (await rows.count()) === 1 && (await rows.nth(0).getAttribute('data-id')) === refusedId);
  assert.match(await rows.nth(0).textContent(), /refused \(not_permitted|refused/);

  await page.selectOption('#f-status', 'done');
  await page.click('#apply');
  await waitFor(async () => (await rows.count()) === 1 && (await rows.nth(0).getAttribute('data-id')) === sentId);
  const cells = await rows.nth(0).locator('td').allTextContents();
  assert.equal(cells[1], 'Alerts');
  assert.equal(cells[4], '3');
  assert.match(cells[9], /Browser check/);

  await rows.nth(0).click();
  await page.waitForSelector('#detail:not([hidden])');
  assert.equal(await page.locator('#detail-id').textContent(), sentId);
  const summary = await page.locator('#detail-summary').textContent();
  assert.match(summary, /page-1/);
  assert.match(summary, /Browser check: your appointment is tomorrow/);
  const recipientRows = page.locator('#detail-recipients tbody tr');
  assert.equal(await recipientRows.count(), 3);
  const detail = (await call(api, 'GET', `/v1/history/${sentId}`)).body;  // admin view: real numbers
  for (let i = 0; i < 3; i++) {
    const shown = await recipientRows.nth(i).locator('td').allTextContents();
    const real = detail.recipients[i];
    assert.equal(shown[0], real.record_name || real.record_id);  // the name, linked to the record
    // The read key sees only the last four digits.
    assert.match(shown[1], /^\+\*+\d{4}$/);
    assert.equal(shown[1].slice(-4), real.phone.slice(-4));
    assert.notEqual(shown[1], real.phone);
    assert.equal(shown[2], real.state);
    assert.equal(shown[5], real.gateway_sid);
    assert.match(shown[5], /^SM/);
  }
  assert.ok((await page.locator('#detail-events li').count()) > 0);

  // The usage panel charts today's segments.
  await waitFor(async () => (await page.locator('#usage-chart rect.bar').count()) > 0);
  const today = new Date().toISOString().slice(0, 10);
  const bar = page.locator(`#usage-chart rect.bar[data-day="${today}"]`);
  assert.equal(await bar.getAttribute('data-segments'), String(detail.notification.segments));
  const usageCells = await page.locator('#usage tbody tr.total td').allTextContents();
  assert.equal(usageCells[0], 'total');
  assert.equal(usageCells[1], String(detail.recipients.filter((r) => r.gateway_sid).length));

  const shot = path.resolve(BIN_DIR, '..', 'history-page.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(fs.statSync(shot).size > 10000);
  assert.deepEqual(problems, []);
});
