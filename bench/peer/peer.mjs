#!/usr/bin/env node
// The script a team writes when it does not have sfnotify: jsforce reads the
// Leads/Contacts, the twilio package sends one SMS each, jsforce writes one
// Task per SMS. Deliberately ordinary — no outbox, no retries beyond what the
// libraries do, no crash recovery — but not naive either: bounded send
// concurrency, IN-list queries of 200 ids, Tasks through sObject Collections.
//
//   node peer.mjs --login-url URL --username U --password P --client-id ID --client-secret S
//                 --twilio-url URL --account-sid AC... --auth-token T --from +1...
//                 --ids-file FILE --message TEXT [--concurrency 20]
// Prints one JSON line: {"records","sent","failed","skipped","tasks"}.
import fs from 'node:fs';
import jsforce from 'jsforce';
import twilio from 'twilio';

function args(argv) {
  const out = { concurrency: 20 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
    out[key] = argv[i + 1];
  }
  for (const k of ['loginUrl', 'username', 'password', 'clientId', 'clientSecret', 'twilioUrl', 'accountSid',
                   'authToken', 'from', 'idsFile', 'message']) {
    if (!out[k]) throw new Error(`--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is required`);
  }
  out.concurrency = Number(out.concurrency);
  return out;
}

// Runs fn over items with at most `limit` in flight.
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

const chunk = (list, size) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size));

async function main() {
  const opt = args(process.argv.slice(2));
  const ids = fs.readFileSync(opt.idsFile, 'utf8').split(/\s+/).filter(Boolean);

  const conn = new jsforce.Connection({
    oauth2: { loginUrl: opt.loginUrl, clientId: opt.clientId, clientSecret: opt.clientSecret },
    version: '62.0',
  });
  await conn.login(opt.username, opt.password);

  const sms = twilio(opt.accountSid, opt.authToken);
  sms.api.baseUrl = opt.twilioUrl;  // a Twilio-compatible gateway instead of api.twilio.com

  // 1. Read the recipients: Leads and Contacts by id, 200 ids per query.
  const records = [];
  for (const [object, prefix] of [['Lead', '00Q'], ['Contact', '003']]) {
    const mine = ids.filter((id) => id.startsWith(prefix));
    for (const part of chunk(mine, 200)) {
      const soql = `SELECT Id, FirstName, MobilePhone, SMS_Opt_In__c, OwnerId FROM ${object} ` +
                   `WHERE Id IN (${part.map((id) => `'${id}'`).join(',')})`;
      const result = await conn.query(soql, { autoFetch: true, maxFetch: 100000 });
      for (const r of result.records) records.push({ ...r, object });
    }
  }

  // 2. Send: consenting records with a number, one SMS each.
  const targets = records.filter((r) => r.SMS_Opt_In__c && r.MobilePhone);
  const outcomes = await pool(targets, opt.concurrency, async (r) => {
    const body = opt.message.replace('{FirstName}', r.FirstName || 'there');
    try {
      const m = await sms.messages.create({ to: r.MobilePhone, from: opt.from, body });
      return { record: r, sid: m.sid, status: m.status, body };
    } catch (e) {
      return { record: r, error: e.message };
    }
  });

  // 3. Log a Task per SMS sent, 200 per Collections call.
  const tasks = outcomes.filter((o) => o.sid).map((o) => ({
    WhoId: o.record.Id, Subject: `SMS: ${o.body}`.slice(0, 255), Status: 'Completed', Priority: 'Normal',
    TaskSubtype: 'Task', SMS_Message_Sid__c: o.sid, OwnerId: o.record.OwnerId,
  }));
  let written = 0;
  for (const part of chunk(tasks, 200)) {
    const results = await conn.sobject('Task').create(part, { allOrNone: false });
    written += results.filter((r) => r.success).length;
  }
  console.log(JSON.stringify({ records: records.length, sent: outcomes.filter((o) => o.sid).length,
                               failed: outcomes.filter((o) => o.error).length,
                               skipped: records.length - targets.length, tasks: written }));
}

main().catch((e) => { console.error(`peer: ${e.stack || e.message}`); process.exit(1); });
