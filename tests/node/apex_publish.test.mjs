// The exact event shape OutboundNotificationService publishes (field names and value encoding),
// published to sfemu over REST with jsforce as the sending user, then read back over CometD.
// Also checks that sfemu's schema for the event and its demo custom metadata agree with apex/.
// The engine's end-to-end test extends this: the connector subscribes and sends the SMS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import jsforce from 'jsforce';
import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { startServer, SOURCE_DIR } from './lib.mjs';
import { buildOutboundEvents } from './apex_events.mjs';

const require = createRequire(import.meta.url);
const xml2js = require('xml2js');

const DEFAULT = path.join(SOURCE_DIR, 'apex/force-app/main/default');
const CHANNEL = '/event/Outbound_Notification__e';
const SENDER = 'sender@sfnotify.demo';
const SERVICE = fs.readFileSync(path.join(DEFAULT, 'classes/OutboundNotificationService.cls'), 'utf8');

const readXml = (relative) =>
  xml2js.parseStringPromise(fs.readFileSync(path.join(DEFAULT, relative), 'utf8'), { explicitArray: false });

// ---------------------------------------------------------------------------------------------
// The encoding of OutboundNotificationService.buildEvents, step for step.

test('the Apex service still encodes events the way this test builds them', () => {
  // If one of these lines changes, change buildOutboundEvents below with it.
  assert.match(SERVICE, /String requestId = base;/);
  assert.match(SERVICE, /Chunk_Index__c = chunks\.size\(\) == 1 \? null : i \+ 1,/);
  assert.match(SERVICE, /Chunk_Count__c = chunks\.size\(\) == 1 \? null : chunks\.size\(\),/);
  assert.match(SERVICE, /Record_Ids__c = ids\.isEmpty\(\) \? null : String\.join\(ids, ','\)/);
  assert.match(SERVICE, /current\.add\(String\.valueOf\(recordId\)\); \/\/ Id always renders as 18 characters/);
  assert.match(SERVICE, /Contact_Point__c = p\.contactPoint\.DeveloperName/);
  assert.match(SERVICE, /Template__c = p\.smsTemplate == null \? null : p\.smsTemplate\.DeveloperName/);
  assert.match(SERVICE, /Message__c = p\.smsTemplate == null \? p\.request\.message : null/);
  assert.match(SERVICE, /Campaign_Id__c = p\.campaignId == null \? null : String\.valueOf\(p\.campaignId\)/);
});

async function maxIdsPerEvent() {
  const { CustomMetadata: record } = await readXml('customMetadata/SMS_Notification_Setting.Default.md-meta.xml');
  const value = [record.values].flat().find((v) => v.field === 'Max_Ids_Per_Event__c').value;
  return Number(typeof value === 'object' ? value._ : value);
}

// The 3-character checksum that turns a 15-character id into 18 (salesforce-wire.md §2.9).
function checksum(id15) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let j = 0; j < 5; j++) {
      const c = id15[chunk * 5 + j];
      if (c >= 'A' && c <= 'Z') bits |= 1 << j;
    }
    suffix += alphabet[bits];
  }
  return suffix;
}

// A syntactically valid 18-character id with the given key prefix.
function makeId(prefix, n) {
  const id15 = prefix + '5g0' + String(n).padStart(9, '0');
  return id15 + checksum(id15);
}

test('ids built for large audiences carry the documented checksum', () => {
  assert.equal(checksum('001M000000qfPyS'), 'IAU');
  assert.equal(checksum('a0FE000000D6r3F'), 'MAR');
  assert.equal(checksum('aBcDEfgHIJKLMNO'), '025');
  assert.equal(makeId('00Q', 1), '00Q5g0000000001EAA');
});

// ---------------------------------------------------------------------------------------------
// Against sfemu

let sfemu;
let conn;
let senderId;
let leadIds;
let contactIds;

before(async () => {
  sfemu = await startServer('sfemu');
  conn = new jsforce.Connection({
    oauth2: { loginUrl: sfemu.url, clientId: 'sfnotify-local', clientSecret: 'sfnotify-local-secret' },
    version: '62.0',
  });
  const identity = await conn.login(SENDER, 'sfnotify-demo');
  senderId = identity.id;
  leadIds = (await conn.query('SELECT Id FROM Lead ORDER BY Id')).records.map((r) => r.Id);
  contactIds = (await conn.query('SELECT Id FROM Contact ORDER BY Id')).records.map((r) => r.Id);
});

after(async () => {
  if (sfemu) await sfemu.stop();
});

const SF_TYPE = { Text: 'string', LongTextArea: 'textarea', Checkbox: 'boolean', Number: 'double' };

test("sfemu's Outbound_Notification__e has the fields, types and lengths apex/ declares", async () => {
  const described = await conn.describe('Outbound_Notification__e');
  const byName = Object.fromEntries(described.fields.map((f) => [f.name, f]));
  const dir = path.join(DEFAULT, 'objects/Outbound_Notification__e/fields');
  const declared = fs.readdirSync(dir);
  assert.equal(declared.length, 8);
  for (const file of declared) {
    const { CustomField: field } = await readXml(`objects/Outbound_Notification__e/fields/${file}`);
    const emulated = byName[field.fullName];
    assert.ok(emulated, `sfemu lacks ${field.fullName}`);
    assert.equal(emulated.type, SF_TYPE[field.type], `${field.fullName} type`);
    if (field.length !== undefined) assert.equal(emulated.length, Number(field.length), `${field.fullName} length`);
  }
  const custom = described.fields.filter((f) => f.name.endsWith('__c')).map((f) => f.name).sort();
  assert.deepEqual(custom, declared.map((f) => f.replace('.field-meta.xml', '')).sort());
});

test("sfemu's demo custom metadata has the records and fields apex/ deploys", async () => {
  const recordsDir = path.join(DEFAULT, 'customMetadata');
  for (const type of ['SMS_Contact_Point', 'SMS_Field_Mapping', 'SMS_Template']) {
    const deployed = fs.readdirSync(recordsDir)
      .filter((n) => n.startsWith(`${type}.`))
      .map((n) => n.slice(type.length + 1, -'.md-meta.xml'.length))
      .sort();
    const fieldFiles = fs.readdirSync(path.join(DEFAULT, 'objects', `${type}__mdt`, 'fields'));
    const fields = fieldFiles.map((f) => f.replace('.field-meta.xml', ''));
    const rows = (await conn.query(`SELECT DeveloperName, ${fields.join(', ')} FROM ${type}__mdt ORDER BY DeveloperName`)).records;
    assert.deepEqual(rows.map((r) => r.DeveloperName).sort(), deployed, `${type}__mdt records`);
  }
  const points = (await conn.query("SELECT DeveloperName, Sender__c, Roles__c, Quiet_Hours__c FROM SMS_Contact_Point__mdt")).records;
  for (const row of points) {
    const { CustomMetadata: record } = await readXml(`customMetadata/SMS_Contact_Point.${row.DeveloperName}.md-meta.xml`);
    const value = (field) => {
      const v = [record.values].flat().find((x) => x.field === field).value;
      return typeof v === 'object' ? v._ : v;
    };
    for (const field of ['Sender__c', 'Roles__c', 'Quiet_Hours__c']) {
      assert.equal(row[field], value(field), `${row.DeveloperName}.${field}`);
    }
  }
});

async function publish(event) {
  const result = await conn.sobject('Outbound_Notification__e').create(event);
  assert.equal(result.success, true, JSON.stringify(result));
  assert.match(result.id, /^e0[0-9A-Za-z]{16}$/);
  return result;
}

// Events are keyed by Request_Id__c, and chunks of a split request by `${Request_Id__c}#${Chunk_Index__c}`.
const eventKey = (payload) => (payload.Chunk_Index__c ? `${payload.Request_Id__c}#${payload.Chunk_Index__c}` : payload.Request_Id__c);

async function readEvents(requestIds) {
  // Replay -2 returns every retained event; collect until all expected request ids arrived.
  const wanted = new Set(requestIds);
  const received = new Map();
  const client = conn.streaming.createClient([new StreamingExtension.Replay(CHANNEL, -2)]);
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`events not delivered: ${[...wanted].filter((r) => !received.has(r))}`)), 15000);
      const subscription = client.subscribe(CHANNEL, (message) => {
        const id = eventKey(message.payload);
        if (wanted.has(id)) received.set(id, message);
        if (received.size === wanted.size) {
          clearTimeout(timer);
          resolve();
        }
      });
      subscription.errback?.((error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    client.disconnect();
  }
  return received;
}

test('a send from the record page: one event, free text, Lead and Contact ids', async () => {
  const recordIds = [leadIds[0], contactIds[0]];
  assert.ok(recordIds.every((id) => /^[0-9A-Za-z]{18}$/.test(id)));
  const { base, events } = buildOutboundEvents(
    { contactPoint: 'Main', recordIds, message: 'Hi {!Recipient.FirstName, "there"}: your order is ready — reply STOP to opt out.' },
    await maxIdsPerEvent(),
  );
  assert.equal(events.length, 1);
  assert.equal(events[0].Request_Id__c, base);
  assert.equal(events[0].Record_Ids__c, `${leadIds[0]},${contactIds[0]}`);
  await publish(events[0]);

  const delivered = await readEvents([base]);
  const payload = delivered.get(base).payload;
  for (const [field, value] of Object.entries(events[0])) assert.equal(payload[field], value, field);
  assert.equal(payload.Template__c ?? null, null);
  assert.equal(payload.CreatedById, senderId, 'published as the sending user');
  assert.match(payload.CreatedDate, /^\d{4}-\d{2}-\d{2}T/);
  assert.match(delivered.get(base).event.replayId.toString(), /^\d+$/);
});

test('a template send to a campaign carries Template__c and Campaign_Id__c only', async () => {
  const campaigns = (await conn.query('SELECT Id FROM Campaign LIMIT 1')).records;
  const campaignId = campaigns.length ? campaigns[0].Id : makeId('701', 1);
  const { base, events } = buildOutboundEvents(
    { contactPoint: 'Alerts', campaignId, templateName: 'Appointment_Reminder' },
    await maxIdsPerEvent(),
  );
  assert.deepEqual(Object.keys(events[0]).sort(), ['Campaign_Id__c', 'Contact_Point__c', 'Request_Id__c', 'Template__c']);
  await publish(events[0]);
  const payload = (await readEvents([base])).get(base).payload;
  assert.equal(payload.Campaign_Id__c, campaignId);
  assert.equal(payload.Template__c, 'Appointment_Reminder');
  assert.equal(payload.Message__c ?? null, null);
  assert.equal(payload.Record_Ids__c ?? null, null);
});

test('a list-view send of 4,500 records is split into full events that sfemu accepts', async () => {
  const perEvent = await maxIdsPerEvent();
  assert.equal(perEvent, 2000);
  const recordIds = Array.from({ length: 4500 }, (_, i) => makeId(i % 2 ? '003' : '00Q', 100000 + i));
  const { base, events } = buildOutboundEvents({ contactPoint: 'Main', recordIds, message: 'Store closes at 6pm today.' }, perEvent);
  assert.deepEqual(events.map((e) => e.Request_Id__c), [base, base, base]);
  assert.deepEqual(events.map((e) => [e.Chunk_Index__c, e.Chunk_Count__c]), [[1, 3], [2, 3], [3, 3]]);
  assert.equal(events[0].Record_Ids__c.length, 2000 * 19 - 1);
  assert.ok(!events[0].Record_Ids__c.includes(' '));
  for (const event of events) await publish(event);

  const delivered = await readEvents(events.map(eventKey));
  const rejoined = events.flatMap((e) => delivered.get(eventKey(e)).payload.Record_Ids__c.split(','));
  assert.deepEqual(rejoined, recordIds);
});

test('an unsplit audience of 6,899 ids would not fit Record_Ids__c: sfemu refuses it', async () => {
  const ids = Array.from({ length: 6899 }, (_, i) => makeId('00Q', 200000 + i));
  const tooLong = ids.join(',');
  assert.ok(tooLong.length > 131072);
  await assert.rejects(
    conn.sobject('Outbound_Notification__e').create({ Request_Id__c: randomUUID(), Contact_Point__c: 'Main', Message__c: 'x', Record_Ids__c: tooLong }),
    (error) => /STRING_TOO_LONG/.test(`${error.errorCode} ${error.message} ${error.name}`),
  );
});
