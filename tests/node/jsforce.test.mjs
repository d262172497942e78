// jsforce@3 against sfemu, unchanged: OAuth2 password login, query paging,
// CRUD singly and through collections, composite, limits, platform-event publish.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import jsforce from 'jsforce';
import { startServer } from './lib.mjs';

let emu;
let conn;

async function hook(method, path, body) {
  const res = await fetch(emu.url + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  emu = await startServer('sfemu');
  conn = new jsforce.Connection({
    oauth2: { loginUrl: emu.url, clientId: 'sfnotify-local', clientSecret: 'sfnotify-local-secret' },
    version: '62.0',
  });
  await conn.login('sender@sfnotify.demo', 'sfnotify-demo');
});

after(async () => {
  if (emu) await emu.stop();
});

test('login via the OAuth2 password flow gives an instance URL and user info', async () => {
  assert.equal(conn.instanceUrl, emu.url);
  assert.match(conn.accessToken, /^00D/);
  assert.match(conn.userInfo.id, /^005/);
  assert.match(conn.userInfo.organizationId, /^00D/);
  await assert.rejects(
    new jsforce.Connection({
      oauth2: { loginUrl: emu.url, clientId: 'sfnotify-local', clientSecret: 'sfnotify-local-secret' },
    }).login('sender@sfnotify.demo', 'wrong'),
    /authentication failure/,
  );
});

test('query pages through nextRecordsUrl with autoFetch and with queryMore', async () => {
  const headers = { 'Sforce-Query-Options': 'batchSize=200' };
  const all = await conn.query('SELECT Id, Name, Owner.Name FROM Lead', { autoFetch: true, maxFetch: 5000, headers });
  assert.ok(all.totalSize >= 500);
  assert.equal(all.records.length, all.totalSize);
  assert.equal(new Set(all.records.map((r) => r.Id)).size, all.totalSize);
  assert.ok(all.records[0].Owner.Name);

  const first = await conn.query('SELECT Id FROM Contact', { headers });
  assert.equal(first.done, false);
  assert.equal(first.records.length, 200);
  const second = await conn.queryMore(first.nextRecordsUrl, { headers });
  assert.equal(second.records.length, 200);
  assert.notEqual(second.records[0].Id, first.records[0].Id);

  const { status } = await hook('GET', '/__emulator/requests');
  assert.equal(status, 200);
});

test('create, retrieve, update and delete single records', async () => {
  const lead = (await conn.query('SELECT Id FROM Lead LIMIT 1')).records[0];
  const created = await conn.sobject('Task').create({ WhoId: lead.Id, Subject: 'SMS: jsforce', Status: 'Completed' });
  assert.equal(created.success, true);
  assert.match(created.id, /^00T/);
  const task = await conn.sobject('Task').retrieve(created.id);
  assert.equal(task.Subject, 'SMS: jsforce');
  assert.equal(task.IsClosed, true);
  const updated = await conn.sobject('Task').update({ Id: created.id, SMS_Delivery_Status__c: 'delivered' });
  assert.equal(updated.success, true);
  assert.equal((await conn.sobject('Task').retrieve(created.id)).SMS_Delivery_Status__c, 'delivered');
  const removed = await conn.sobject('Task').destroy(created.id);
  assert.equal(removed.success, true);
  await assert.rejects(conn.sobject('Task').retrieve(created.id), /entity is deleted/);
  await assert.rejects(conn.sobject('Task').create({ Status: 'Nope' }), (err) => {
    assert.equal(err.errorCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    return true;
  });
});

test('collections: create, update and delete arrays in one call each', async () => {
  const before = (await hook('GET', '/__emulator/requests')).body.last_seq;
  const rows = Array.from({ length: 5 }, (_, i) => ({ Subject: `bulk ${i}`, Status: 'Completed' }));
  const created = await conn.sobject('Task').create(rows, { allOrNone: true });
  assert.equal(created.length, 5);
  assert.ok(created.every((r) => r.success));
  const log = (await hook('GET', `/__emulator/requests?since=${before}`)).body.requests;
  assert.deepEqual(log.map((r) => `${r.method} ${r.path}`), ['POST /services/data/v62.0/composite/sobjects']);

  const updated = await conn.sobject('Task').update(created.map((r) => ({ Id: r.id, SMS_Segments__c: 2 })));
  assert.ok(updated.every((r) => r.success));
  const mixed = await conn.sobject('Task').create([{ Subject: 'ok' }, { Status: 'Bad' }], { allOrNone: false });
  assert.equal(mixed[0].success, true);
  assert.equal(mixed[1].success, false);
  const removed = await conn.sobject('Task').destroy([...created.map((r) => r.id), mixed[0].id]);
  assert.ok(removed.every((r) => r.success));
  const left = await conn.query("SELECT COUNT() FROM Task WHERE Subject LIKE 'bulk%'");
  assert.equal(left.totalSize, 0);
});

test('composite via conn.request resolves references', async () => {
  const res = await conn.request({
    method: 'POST',
    url: '/services/data/v62.0/composite',
    body: JSON.stringify({
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Lead', referenceId: 'lead',
          body: { LastName: 'Composite', Company: 'jsforce Inc', SMS_Opt_In__c: true } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Task', referenceId: 'task',
          body: { WhoId: '@{lead.id}', Subject: 'SMS: composite' } },
      ],
    }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.compositeResponse.length, 2);
  assert.equal(res.compositeResponse[1].httpStatusCode, 201);
  const task = await conn.sobject('Task').retrieve(res.compositeResponse[1].body.id);
  assert.equal(task.WhoId, res.compositeResponse[0].body.id);
});

test('limits reports DailyApiRequests consistent with Sforce-Limit-Info', async () => {
  const limits = await conn.limits();
  assert.equal(limits.DailyApiRequests.Max, 15000);
  assert.ok(limits.DailyApiRequests.Remaining < 15000);
  await hook('POST', '/__emulator/limits', { DailyApiRequests: { Max: 15000, Remaining: 42 } });
  assert.equal((await conn.limits()).DailyApiRequests.Remaining, 41);
});

test('publishing a platform event through sobject().create', async () => {
  const res = await conn.sobject('Outbound_Notification__e').create({
    Request_Id__c: 'jsforce-1', Contact_Point__c: 'Main', Template__c: 'Appointment_Reminder',
    Record_Ids__c: '00Q5g0000000001EAA',
  });
  assert.equal(res.success, true);
  assert.match(res.id, /^e00/);
  await assert.rejects(conn.sobject('Outbound_Notification__e').create({ Nope__c: 'x' }), /No such column/);
});
