// Issue 8's end-to-end check: the exact events OutboundNotificationService publishes (apex_events.mjs),
// published to sfemu by the sales rep with jsforce, are handled by a running connector: each event
// becomes one notification, the opted-in recipients get one SMS each at smsemu and one Task each in
// the org. Processes: sfemu, smsemu, sfnotify (all on OS-chosen ports, stopped at the end).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsforce from 'jsforce';
import { startServer, startConnector, waitFor, SOURCE_DIR } from './lib.mjs';
import { buildOutboundEvents } from './apex_events.mjs';

const API_KEY = 'apex-e2e-key';
let org, gateway, connector, connectorUrl, dir;

async function api(pathname) {
  const r = await fetch(connectorUrl + pathname, { headers: { Authorization: `Bearer ${API_KEY}` } });
  return { status: r.status, body: r.status === 200 ? await r.json() : null };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfnotify-apex-e2e-'));
  org = await startServer('sfemu');
  gateway = await startServer('smsemu', ['--delivery-delay-ms', '5']);
  const config = {
    salesforce: { login_url: org.url, client_id: 'sfnotify-local', username: 'integration@sfnotify.demo',
                  private_key_file: path.join(SOURCE_DIR, 'sandbox/certs/sfemu-demo.key'),
                  // A fresh org: take what is published before the subscription is up (no -1 race).
                  initial_replay: 'all' },
    gateway: { type: 'twilio', base_url: gateway.url, account_sid: 'AC0123456789abcdef0123456789abcdef',
               auth_token_env: 'APEX_E2E_SMS_TOKEN' },
    contact_points: [{ name: 'Main', sender: '+15005550006', roles: ['SMS_Notification_Sender'],
                       max_messages_per_second: 200, quiet_hours: 'none' }],
    store: { path: path.join(dir, 'sfnotify.sqlite') },
    mapping_file: path.join(SOURCE_DIR, 'mapping/demo-mapping.json'),
    http: { listen: '127.0.0.1:0', api_keys: [{ name: 'e2e', key_env: 'APEX_E2E_API_KEY', role: 'admin' }] },
  };
  fs.writeFileSync(path.join(dir, 'sfnotify.json'), JSON.stringify(config));
  connector = await startConnector(path.join(dir, 'sfnotify.json'),
                                   { APEX_E2E_SMS_TOKEN: 'smsemu-demo-token', APEX_E2E_API_KEY: API_KEY });
  connectorUrl = connector.url;
});

after(async () => {
  await connector?.stop();
  await gateway?.stop();
  await org?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('events shaped as OutboundNotificationService publishes them are sent by the connector', async () => {
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: org.url, clientId: 'sfnotify-local', clientSecret: 'sfnotify-local-secret' },
    version: '62.0',
  });
  await conn.login('sender@sfnotify.demo', 'sfnotify-demo');
  const leads = (await conn.query('SELECT Id FROM Lead ORDER BY Id LIMIT 30')).records.map((r) => r.Id);
  const contacts = (await conn.query('SELECT Id FROM Contact ORDER BY Id LIMIT 20')).records.map((r) => r.Id);
  // A list-view send of 50 records, split the way the service splits large audiences (here 20 ids per event).
  const { events } = buildOutboundEvents(
    { contactPoint: 'Main', recordIds: [...leads, ...contacts], templateName: 'Reminder' }, 20);
  assert.equal(events.length, 3);
  for (const event of events) {
    const saved = await conn.sobject('Outbound_Notification__e').create(event);
    assert.equal(saved.success, true);
  }
  // The three chunks share one Request_Id__c: the connector joins them into one notification.
  let expectedSms = 0;
  const view = await waitFor(async () => {
    const r = await api(`/v1/notifications/by-request/${events[0].Request_Id__c}`);
    if (r.status !== 200 || r.body.status !== 'done') return null;
    const open = r.body.recipients.filter((x) => x.state !== 'suppressed' && x.state !== 'failed' && x.task_state !== 'written');
    return open.length === 0 ? r.body : null;
  }, 60000);
  assert.equal(view.recipients.length, events.reduce((n, e) => n + e.Record_Ids__c.split(',').length, 0));
  for (const r of view.recipients) {
    if (r.state === 'suppressed') assert.ok(r.reason.length > 0);
    else { expectedSms++; assert.ok(r.task_id.startsWith('00T')); }
  }
  assert.ok(expectedSms > 10);
  const messages = (await (await fetch(`${gateway.url}/__emulator/messages`)).json()).messages;
  assert.equal(messages.length, expectedSms);
  const tasks = (await conn.query("SELECT Id, WhoId, SMS_Message_Sid__c FROM Task WHERE SMS_Message_Sid__c != null")).records;
  assert.equal(tasks.length, expectedSms);
  assert.deepEqual(new Set(tasks.map((t) => t.SMS_Message_Sid__c)), new Set(messages.map((m) => m.sid)));
});
