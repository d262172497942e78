// Sign-in to the view history with Salesforce, in a real browser: Debian's
// chromium driven by playwright-core opens the connector's page, follows
// "Sign in with Salesforce" to sfemu's login form, logs in as the demo sender,
// sees names linked to the records (and opens one), is refused a
// notification of a contact point the sender holds no role for, and signs
// out. A screenshot of the signed-in page is kept at build/history-signin.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BIN_DIR, waitFor } from './lib.mjs';
import { startHistoryStack } from './history_stack.mjs';

const ADMIN_KEY = 'signin-admin-key';

let stack, sfemu, api, context;

async function call(method, target, body) {
  const res = await fetch(api + target, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  stack = await startHistoryStack({
    name: 'history-signin',
    contactPoints: [
      // The sender holds SMS_Notification_Sender: Main is theirs. Ops is for admins only.
      { name: 'Main', sender: '+15005550006', roles: ['SMS_Notification_Sender'], max_messages_per_second: 100,
        quiet_hours: 'none' },
      { name: 'Ops', sender: '+15005550006', roles: ['SMS_Notification_Admin'], max_messages_per_second: 100,
        quiet_hours: 'none' },
    ],
    http: {
      web_login: { client_id: 'sfnotify-local' },
      api_keys: [{ name: 'ops', key_env: 'SIGNIN_ADMIN_KEY', role: 'admin' }],
    },
    env: { SIGNIN_ADMIN_KEY: ADMIN_KEY },
    viewport: { width: 1280, height: 1000 },
  });
  ({ sfemu, api, context } = stack);
});

after(async () => {
  await stack?.stop();
});

test('a sales rep signs in with Salesforce, sees names and links, only their contact point, and signs out',
  async () => {
    const leads = (await (await fetch(`${sfemu.url}/__emulator/records?type=Lead`)).json())
      .records.filter((r) => !r.IsDeleted).slice(0, 2);
    const users = (await (await fetch(`${sfemu.url}/__emulator/records?type=User`)).json()).records;
    const userId = (name) => users.find((u) => u.Username === name).Id;

    const mine = await call('POST', '/v1/notifications', {
      request_id: 'signin-main', contact_point: 'Main', requested_by: userId('sender@sfnotify.demo'),
      message: 'Your order shipped', record_ids: leads.map((l) => l.Id),
    });
    assert.equal(mine.status, 202, JSON.stringify(mine.body));
    const ops = await call('POST', '/v1/notifications', {
      request_id: 'signin-ops', contact_point: 'Ops', requested_by: userId('integration@sfnotify.demo'),
      message: 'Ops only', record_ids: [leads[0].Id],
    });
    assert.equal(ops.status, 202, JSON.stringify(ops.body));
    const mineId = mine.body.notification_id;
    const opsId = ops.body.notification_id;
    await waitFor(async () => (await call('GET', `/v1/history/${mineId}`)).body.notification.status === 'done');

    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    // The 401 of /auth/me before sign-in and the 403 below are expected; anything else is a problem.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (401|403)/.test(m.text())) problems.push(`${m.text()} ${m.location().url}`);
    });
    await page.goto(`${api}/`);
    assert.match(await page.locator('#message').textContent(), /Sign in with Salesforce/);
    assert.equal(await page.locator('#sign-in').isVisible(), true);

    // Through sfemu's login form and back.
    await page.click('#sign-in');
    await page.waitForURL(/\/services\/oauth2\/authorize/);
    assert.ok(page.url().startsWith(sfemu.url));
    await page.fill('#username', 'sender@sfnotify.demo');
    await page.fill('#password', 'sfnotify-demo');
    await Promise.all([page.waitForURL(`${api}/`), page.click('#Login')]);
    await page.waitForSelector('#signed-in:not([hidden])');
    assert.equal(await page.locator('#user-name').textContent(), 'Sam Sender');
    assert.match(await page.locator('#user-scope').textContent(), /Main/);
    // The session cookie is HttpOnly: the page's script cannot read it.
    assert.equal(await page.evaluate(() => document.cookie.includes('sfn_session')), false);
    const cookies = await context.cookies(api);
    const session = cookies.find((c) => c.name === 'sfn_session');
    assert.ok(session, JSON.stringify(cookies));
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');

    // Only Main's notification is listed, with the requester's name linked to the User.
    const rows = page.locator('#history tbody tr[data-id]');
    await waitFor(async () => (await rows.count()) === 1);
    assert.equal(await rows.nth(0).getAttribute('data-id'), mineId);
    const requester = rows.nth(0).locator('td').nth(2).locator('a.record');
    assert.equal(await requester.textContent(), 'Sam Sender');
    assert.equal(await requester.getAttribute('href'), `${sfemu.url}/${userId('sender@sfnotify.demo')}`);

    // The detail shows the recipients by name, each linked to its record in the org.
    await rows.nth(0).click();
    await page.waitForSelector('#detail:not([hidden])');
    assert.match(await page.locator('#detail-summary').textContent(), /Sam Sender/);
    const links = page.locator('#detail-recipients tbody tr td:first-child a.record');
    assert.equal(await links.count(), 2);
    for (let i = 0; i < 2; i++) {
      assert.equal(await links.nth(i).textContent(), leads[i].Name);
      assert.equal(await links.nth(i).getAttribute('href'), `${sfemu.url}/${leads[i].Id}`);
    }
    const phones = await page.locator('#detail-recipients tbody tr td.phone').allTextContents();
    for (const p of phones) assert.match(p, /^\+\*+\d{4}$/);  // no admin set: masked
    const shot = path.resolve(BIN_DIR, '..', 'history-signin.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(fs.statSync(shot).size > 10000);

    // The link opens the record in the org.
    const [record] = await Promise.all([context.waitForEvent('page'), links.nth(0).click()]);
    await record.waitForLoadState();
    assert.equal(await record.locator('#name').textContent(), leads[0].Name);
    assert.equal(await record.locator('#record-id').textContent(), leads[0].Id);
    await record.close();

    // Another contact point's notification is refused, also when asked for directly.
    const refused = await page.evaluate(async (id) => {
      const res = await fetch('/v1/history/' + id, { credentials: 'same-origin' });
      return { status: res.status, body: await res.json() };
    }, opsId);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error.message, /Ops/);

    // Filters take a name.
    await page.fill('#f-record', leads[1].Name.toUpperCase());
    await page.click('#apply');
    await waitFor(async () => (await rows.count()) === 1);
    await page.fill('#f-record', 'Nobody Atall');
    await page.click('#apply');
    await waitFor(async () => (await rows.count()) === 0);

    // Sign out: the session is gone, here and on the server.
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    assert.match(await page.locator('#message').textContent(), /Signed out/);
    const after = await page.evaluate(async () => (await fetch('/v1/history', { credentials: 'same-origin' })).status);
    assert.equal(after, 401);
    await page.reload();
    assert.match(await page.locator('#message').textContent(), /Sign in with Salesforce/);
    assert.deepEqual(problems, []);
  });
