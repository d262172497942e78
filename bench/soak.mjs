#!/usr/bin/env node
// Fault soak: one 20,000-recipient notification through sfnotify while sfemu
// and smsemu inject random faults and the connector is killed with SIGKILL at
// random moments (restarted each time on the same store). At the end it checks,
// from the emulators' own logs, that every eligible recipient got exactly one
// SMS and exactly one Task, every other recipient has a reason, and the
// connector's history agrees with its outbox. Prints the counts; exits 1 on any
// duplicate, loss or mismatch.
//
//   bench/soak [--bin build/bin] [--recipients 20000] [--kills 10] [--seed 1]
//              [--mps 2000] [--timeout-s 600] [--keep]
//              [--gateway-rtt-ms 120] [--org-rtt-ms 80]   (emulators' --latency-ms; these are the defaults)
//
// The audience is sfemu's demo org (about 1,040 Leads and Contacts with the
// awkward cases: bad numbers, shared numbers, no consent) plus generated Leads,
// a few of them deliberately ineligible, loaded through a --seed file.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SOURCE_DIR = path.resolve(import.meta.dirname, '..');

function parseArgs(argv) {
  const opts = { bin: path.join(SOURCE_DIR, 'build/bin'), recipients: 20000, kills: 10, seed: Date.now() % 100000,
                 mps: 2000, timeoutS: 600, keep: false, gatewayRttMs: 120, orgRttMs: 80 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--bin') opts.bin = path.resolve(next());
    else if (a === '--recipients') opts.recipients = Number(next());
    else if (a === '--kills') opts.kills = Number(next());
    else if (a === '--seed') opts.seed = Number(next());
    else if (a === '--mps') opts.mps = Number(next());
    else if (a === '--timeout-s') opts.timeoutS = Number(next());
    else if (a === '--keep') opts.keep = true;
    else if (a === '--gateway-rtt-ms') opts.gatewayRttMs = Number(next());
    else if (a === '--org-rtt-ms') opts.orgRttMs = Number(next());
    else throw new Error(`unknown option ${a}`);
  }
  for (const k of ['recipients', 'kills', 'seed', 'mps', 'timeoutS', 'gatewayRttMs', 'orgRttMs']) {
    if (!Number.isFinite(opts[k]) || opts[k] < 0) throw new Error(`--${k}: expected a non-negative number`);
  }
  return opts;
}

// Deterministic PRNG (mulberry32) so a failing run can be repeated with --seed.
function makeRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...args) => console.log(`[soak ${new Date().toISOString().slice(11, 23)}]`, ...args);

// Starts a program that prints "<name> listening on URL"; resolves {url, child}.
function startServer(program, args, { env = {}, logFile = null, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', out], env: { ...process.env, ...env } });
    liveChildren.add(child);
    child.on('exit', () => liveChildren.delete(child));
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(program)} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(program)} exited (${code ?? signal}) before listening`));
    });
    child.stdout.on('data', (chunk) => {
      if (logFile) fs.appendFileSync(logFile, chunk);
      buffer += chunk.toString();
      const m = buffer.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ url: m[1], child });
      }
    });
  });
}

function stopChild(child, signal = 'SIGTERM') {
  return new Promise((done) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 10000).unref();
  });
}

async function http(method, url, { body, headers = {}, timeoutMs = 120000 } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (!init.headers['Content-Type']) init.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, text, json: () => JSON.parse(text) };
}

// --- the workload -----------------------------------------------------------

// A seed with the demo org plus generated Leads. About 3 % of them are made
// ineligible on purpose (no consent, an impossible number, a number shared with
// another generated Lead) so the "every other one has a reason" side is real.
function writeSeed(file, count, random) {
  const records = [];
  const expected = { eligible: 0, noConsent: 0, badPhone: 0, shared: 0 };
  for (let i = 0; i < count; i++) {
    const r = { attributes: { type: 'Lead' }, FirstName: 'Soak', LastName: `Load${i}`, Company: 'Soak Co',
                SMS_Opt_In__c: true, MobilePhone: `+1212${String(3000000 + i).padStart(7, '0')}` };
    const roll = random();
    if (roll < 0.01) { r.SMS_Opt_In__c = false; expected.noConsent++; }
    else if (roll < 0.02) { r.MobilePhone = '12345'; expected.badPhone++; }
    else if (roll < 0.03 && i > 0) { r.MobilePhone = `+1212${String(3000000 + i - 1).padStart(7, '0')}`; expected.shared++; }
    else expected.eligible++;
    records.push(r);
  }
  fs.writeFileSync(file, JSON.stringify({ demo_data: true, records }));
  return expected;
}

function writeConfig(dir, sfUrl, smsUrl, mps) {
  const config = {
    salesforce: { login_url: sfUrl, client_id: 'sfnotify-local', username: 'integration@sfnotify.demo',
                  private_key_file: path.join(SOURCE_DIR, 'sandbox/certs/sfemu-demo.key') },
    gateway: { type: 'twilio', base_url: smsUrl, account_sid: 'AC0123456789abcdef0123456789abcdef',
               auth_token_env: 'SOAK_SMS_TOKEN', reconcile_after_ms: 1500 },
    contact_points: [{ name: 'Alerts', sender: '+15005550006', roles: ['Everyone'],
                       max_messages_per_second: mps, quiet_hours: 'none' }],
    store: { path: path.join(dir, 'sfnotify.sqlite') },
    mapping_file: path.join(SOURCE_DIR, 'mapping/demo-mapping.json'),
    http: { listen: '127.0.0.1:0', api_keys: [{ name: 'soak', key_env: 'SOAK_API_KEY', role: 'admin' }] },
    log_level: 'info',
  };
  const file = path.join(dir, 'sfnotify.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

// --- fault injection --------------------------------------------------------

const SF_FAULTS = ['INVALID_SESSION_ID', 'SERVER_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED', 'UNABLE_TO_LOCK_ROW'];
const SMS_FAULTS = ['http_429', 'http_503', 'timeout_after_accept'];

class FaultInjector {
  constructor(sfUrl, smsUrl, random) {
    Object.assign(this, { sfUrl, smsUrl, random, counts: {}, running: false, progress: 0 });
  }
  // Faults are armed for "the next N requests" and queue up at the emulators,
  // so they are paced by the connector's progress (one every 40-200 units of
  // work), not by the clock: otherwise they pile up faster than requests
  // consume them and every call fails once the sends are over.
  start() {
    this.running = true;
    this.loop = (async () => {
      let next = 0;
      while (this.running) {
        await sleep(100 + this.random() * 200);
        if (!this.running || this.progress < next) continue;
        next = this.progress + 40 + this.random() * 160;
        try { await this.injectOne(); } catch (e) { log('fault injection failed:', e.message); }
      }
    })();
  }
  async injectOne() {
    const pick = (list) => list[Math.floor(this.random() * list.length)];
    const roll = this.random();
    let kind;
    if (roll < 0.1) {
      kind = 'expire-tokens';
      await http('POST', `${this.sfUrl}/__emulator/expire-tokens`, { body: {} });
    } else if (roll < 0.55) {
      kind = pick(SF_FAULTS);
      const r = await http('POST', `${this.sfUrl}/__emulator/faults`,
                           { body: { fault: kind, count: 1 + Math.floor(this.random() * 2) } });
      if (r.status !== 201) throw new Error(`sfemu fault ${kind}: ${r.status} ${r.text}`);
    } else {
      kind = pick(SMS_FAULTS);
      const body = { fault: kind, count: 1 + Math.floor(this.random() * 3) };
      if (kind === 'timeout_after_accept') body.hold_ms = 300 + Math.floor(this.random() * 700);
      const r = await http('POST', `${this.smsUrl}/__emulator/faults`, { body });
      if (r.status >= 300) throw new Error(`smsemu fault ${kind}: ${r.status} ${r.text}`);
    }
    this.counts[kind] = (this.counts[kind] || 0) + 1;
  }
  async stop() {
    this.running = false;
    await this.loop;
    await http('DELETE', `${this.sfUrl}/__emulator/faults`);
  }
}

// --- the connector, killed and restarted ------------------------------------

class Connector {
  constructor(bin, configFile, logFile, apiKey) {
    Object.assign(this, { bin, configFile, logFile, apiKey, child: null, url: null, starts: 0 });
  }
  async start() {
    // Startup logs in to Salesforce; an injected fault may make it fail, so retry.
    for (let attempt = 1; ; attempt++) {
      try {
        const s = await startServer(path.join(this.bin, 'sfnotify'), ['run', '--config', this.configFile], {
          env: { SOAK_SMS_TOKEN: 'smsemu-demo-token', SOAK_API_KEY: this.apiKey }, logFile: this.logFile });
        Object.assign(this, { child: s.child, url: s.url });
        this.starts++;
        return;
      } catch (e) {
        if (attempt >= 30) throw e;
        await sleep(200);
      }
    }
  }
  async kill() {
    await stopChild(this.child, 'SIGKILL');
    this.child = null;
    this.url = null;
  }
  async stop() { await stopChild(this.child, 'SIGTERM'); this.child = null; }
  async api(method, target, body) {
    if (!this.url) throw new Error('connector is down');
    return http(method, this.url + target, { body, headers: { Authorization: `Bearer ${this.apiKey}` } });
  }
  async metrics() {
    if (!this.url) return null;
    try {
      const r = await http('GET', this.url + '/metrics', { timeoutMs: 5000 });
      const value = (name) => Number((r.text.match(new RegExp(`^${name} (\\d+)`, 'm')) || [])[1] || 0);
      let sent = 0;
      for (const s of ['accepted', 'sent', 'delivered', 'undelivered', 'failed']) {
        sent += value(`sfnotify_recipients\\{state="${s}"\\}`);
      }
      return { sent, tasks: value('sfnotify_tasks\\{state="written"\\}'), queue: value('sfnotify_queue_depth') };
    } catch {
      return null;
    }
  }
}

// --- verification ------------------------------------------------------------

function countBy(items, key) {
  const m = new Map();
  for (const it of items) {
    const k = key(it);
    if (k) m.set(k, (m.get(k) || 0) + 1);
  }
  return m;
}

function sqliteJson(db, sql) {
  const out = execFileSync('sqlite3', ['-json', db, sql], { maxBuffer: 512 * 1024 * 1024 }).toString();
  return out.trim() ? JSON.parse(out) : [];
}

const SENT_STATES = new Set(['accepted', 'sent', 'delivered', 'undelivered', 'failed']);

function verify({ notification, audience, messages, tasks, dbFile, generatedEligible }) {
  const problems = [];
  const c = { recipients: notification.recipients.length, audience: audience.length, eligible: 0, ineligible: 0,
              sms: 0, tasks: 0, duplicateSms: 0, missingSms: 0, orphanSms: 0, duplicateTasks: 0,
              missingTasks: 0, orphanTasks: 0, noReason: 0, unfinished: 0, historyMismatch: 0,
              wronglySuppressed: 0, lostRecipients: 0 };
  const outbound = messages.filter((m) => m.direction !== 'inbound');
  c.sms = outbound.length;
  const smsPerPhone = countBy(outbound, (m) => m.to);
  const smsBySid = new Map(outbound.map((m) => [m.sid, m]));
  const liveTasks = tasks.filter((t) => !t.IsDeleted && t.SMS_Message_Sid__c);
  c.tasks = liveTasks.length;
  const tasksPerWho = countBy(liveTasks, (t) => t.WhoId);
  const tasksPerSid = countBy(liveTasks, (t) => t.SMS_Message_Sid__c);

  // Every requested record is a recipient exactly once.
  const perRecord = countBy(notification.recipients, (r) => r.record_id);
  for (const id of audience) {
    if (!perRecord.has(id)) c.lostRecipients++;
  }
  for (const [id, n] of perRecord) if (n > 1) problems.push(`record ${id} is a recipient ${n} times`);

  const sentPhones = new Set();
  const claimedSids = new Set();
  for (const r of notification.recipients) {
    if (r.gateway_sid) {
      c.eligible++;
      sentPhones.add(r.phone);
      claimedSids.add(r.gateway_sid);
      const n = smsPerPhone.get(r.phone) || 0;
      if (n === 0 || !smsBySid.has(r.gateway_sid)) c.missingSms++;
      if (n > 1) c.duplicateSms += n - 1;
      const t = tasksPerWho.get(r.record_id) || 0;
      if (t === 0 || !tasksPerSid.get(r.gateway_sid)) c.missingTasks++;
      if (t > 1) c.duplicateTasks += t - 1;
      if (!SENT_STATES.has(r.state)) problems.push(`recipient ${r.record_id} has sid ${r.gateway_sid} but state ${r.state}`);
    } else {
      c.ineligible++;
      if (['pending', 'deferred', 'sending'].includes(r.state)) c.unfinished++;
      else if (!r.reason) c.noReason++;
      if (tasksPerWho.get(r.record_id)) c.orphanTasks += tasksPerWho.get(r.record_id);
      if (generatedEligible.has(r.record_id)) c.wronglySuppressed++;
    }
  }
  // An SMS no recipient accounts for is a send the connector lost track of: a duplicate in waiting.
  for (const m of outbound) if (!claimedSids.has(m.sid)) c.orphanSms++;
  const audienceSet = new Set(audience);
  for (const t of liveTasks) if (!audienceSet.has(t.WhoId)) c.orphanTasks++;

  // History: the last state recorded for each recipient is its state in the
  // outbox; each sent one has its sid recorded once and its Task written once.
  // One pass over each table (correlated subqueries would be quadratic here).
  const nid = notification.notification_id.replace(/'/g, "''");
  const rows = sqliteJson(dbFile, `SELECT id, record_id, state, gateway_sid AS sid FROM recipients
                                   WHERE notification_id = '${nid}'`);
  const byId = new Map(rows.map((r) => [r.id, { ...r, last_state: null, sidSet: new Set(), tasks_written: 0 }]));
  const events = sqliteJson(dbFile, `SELECT recipient_id AS rid, kind, state, detail FROM history
                                     WHERE notification_id = '${nid}' AND recipient_id != 0 ORDER BY id`);
  for (const e of events) {
    const r = byId.get(e.rid);
    if (!r) continue;
    if (e.kind === 'state') {
      r.last_state = e.state;
      if (e.detail.startsWith('sid=')) r.sidSet.add(e.detail);
    } else if (e.kind === 'task' && e.state === 'written') {
      r.tasks_written++;
    }
  }
  for (const r of byId.values()) r.sids = r.sidSet.size;
  for (const row of byId.values()) {
    let bad = row.last_state !== row.state;
    if (row.sid) bad ||= row.sids !== 1 || row.tasks_written !== 1;
    else bad ||= row.tasks_written !== 0;
    if (bad) {
      c.historyMismatch++;
      if (c.historyMismatch <= 5) {
        problems.push(`history of ${row.record_id}: last ${row.last_state}, state ${row.state}, ` +
                      `${row.sids} sids, ${row.tasks_written} Tasks written`);
      }
    }
  }
  if (rows.length !== notification.recipients.length) problems.push(`store has ${rows.length} recipients, API ${notification.recipients.length}`);
  return { c, problems };
}

// --- main --------------------------------------------------------------------

// Children die with the script, whatever ends it.
const liveChildren = new Set();
process.on('exit', () => { for (const c of liveChildren) c.kill('SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const random = makeRandom(opts.seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-soak-'));
  log(`seed ${opts.seed}, ${opts.recipients} recipients, ${opts.kills} kills, work dir ${dir}`);
  const children = [];
  let code = 2;
  try {
    code = await run(opts, random, dir, children);
    return code;
  } finally {
    for (const c of children) await stopChild(c);
    // A failed run keeps its logs, store and seed for a look.
    if (opts.keep || code !== 0) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run(opts, random, dir, children) {
  const t0 = Date.now();
  const demoRecords = 1040;
  const generated = Math.max(0, opts.recipients - demoRecords);
  const seedFile = path.join(dir, 'seed.json');
  const expected = writeSeed(seedFile, generated, random);
  const sf = await startServer(path.join(opts.bin, 'sfemu'),
                               ['--port', '0', '--seed', seedFile, '--latency-ms', String(opts.orgRttMs)],
                               { logFile: path.join(dir, 'sfemu.log'), timeoutMs: 120000 });
  children.push(sf.child);
  const sms = await startServer(path.join(opts.bin, 'smsemu'),
                                ['--port', '0', '--mps', '1000000', '--delivery-delay-ms', '5',
                                 '--latency-ms', String(opts.gatewayRttMs)],
                                { logFile: path.join(dir, 'smsemu.log') });
  children.push(sms.child);
  log(`sfemu ${sf.url} (seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s), smsemu ${sms.url}`);

  const leads = (await http('GET', `${sf.url}/__emulator/records?type=Lead`)).json().records;
  const contacts = (await http('GET', `${sf.url}/__emulator/records?type=Contact`)).json().records;
  const users = (await http('GET', `${sf.url}/__emulator/records?type=User`)).json().records;
  const sender = users.find((u) => u.Username === 'sender@sfnotify.demo');
  const audience = [...leads, ...contacts].filter((r) => !r.IsDeleted).map((r) => r.Id).slice(0, opts.recipients);
  // Generated Leads that should certainly be sent: consenting, valid, unique number.
  const phoneCount = countBy([...leads, ...contacts], (r) => r.MobilePhone);
  const generatedEligible = new Set(leads.filter((l) => l.LastName?.startsWith('Load') && l.Company === 'Soak Co' &&
      l.SMS_Opt_In__c === true && /^\+1212\d{7}$/.test(l.MobilePhone) && phoneCount.get(l.MobilePhone) === 1 &&
      !l.Phone).map((l) => l.Id));

  const config = writeConfig(dir, sf.url, sms.url, opts.mps);
  const connector = new Connector(opts.bin, config, path.join(dir, 'sfnotify.log'), 'soak-admin-key');
  await connector.start();

  const faults = new FaultInjector(sf.url, sms.url, random);
  faults.start();

  // Kill points: fractions of the expected work (SMS accepted + Tasks written),
  // the first one possibly before anything is sent (during resolution).
  let expectedWork = 2 * (expected.eligible + demoRecords * 0.8);  // an estimate until submitted
  const killAt = Array.from({ length: opts.kills }, () => random() * 0.95).sort((a, b) => a - b);
  const request = { request_id: `soak-${opts.seed}`, contact_point: 'Alerts', requested_by: sender.Id,
                    message: 'Soak notice for {!Recipient.FirstName, \"there\"}', record_ids: audience };

  // Submitting may be cut by a kill: repeat with the same request id until accepted (intake is idempotent).
  let notificationId = null;
  const submit = async () => {
    while (!notificationId) {
      try {
        const r = await connector.api('POST', '/v1/notifications', request);
        if (r.status === 202 || r.status === 200) {
          notificationId = r.json().notification_id;
          // Now the real amount of work is known: one SMS and one Task per recipient to send.
          expectedWork = 2 * r.json().preflight.to_send;
        }
        else if (r.status !== 503) throw new Error(`POST /v1/notifications: ${r.status} ${r.text.slice(0, 300)}`);
      } catch (e) {
        if (/POST \/v1/.test(e.message)) throw e;
      }
      if (!notificationId) await sleep(300);
    }
  };
  const submitted = submit();

  let kills = 0;
  let lastProgress = 0, lastProgressAt = Date.now();
  const deadline = t0 + opts.timeoutS * 1000;
  while (kills < opts.kills) {
    if (Date.now() > deadline) throw new Error(`timed out after ${kills} kills`);
    const m = await connector.metrics();
    const work = m ? m.sent + m.tasks : lastProgress;
    faults.progress = work;
    if (work !== lastProgress) { lastProgress = work; lastProgressAt = Date.now(); }
    if (Date.now() - lastProgressAt > 90000) throw new Error(`no progress for 90 s at ${work} (see ${dir}/sfnotify.log)`);
    if (work / expectedWork >= killAt[kills]) {
      await sleep(random() * 200);
      await connector.kill();
      kills++;
      log(`kill ${kills}/${opts.kills} at ${work} units (${m ? m.sent : '?'} sent, ${m ? m.tasks : '?'} tasks)`);
      await sleep(random() * 300);
      await connector.start();
      continue;
    }
    await sleep(50);
  }
  await submitted;
  await faults.stop();
  log(`faults injected: ${JSON.stringify(faults.counts)}; waiting for the outbox to settle`);

  // Settled: no recipient waiting and every sent one's Task written.
  let notification;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`did not settle in ${opts.timeoutS} s (see ${dir}/sfnotify.log)`);
    const r = await connector.api('GET', `/v1/notifications/${notificationId}`);
    if (r.status === 200) {
      notification = r.json();
      // Settled means nothing left to try; a Task given up on ('failed') is reported as missing below.
      const waiting = notification.recipients.filter((x) => ['pending', 'deferred', 'sending'].includes(x.state) ||
          ['pending', 'in_flight'].includes(x.task_state)).length;
      if (notification.status === 'done' && waiting === 0) break;
    }
    await sleep(500);
  }
  const elapsed = (Date.now() - t0) / 1000;
  await connector.stop();

  const messages = (await http('GET', `${sms.url}/__emulator/messages`)).json().messages;
  const tasks = (await http('GET', `${sf.url}/__emulator/records?type=Task`)).json().records;
  const { c, problems } = verify({ notification, audience, messages, tasks,
                                   dbFile: path.join(dir, 'sfnotify.sqlite'), generatedEligible });
  const reasons = countBy(notification.recipients.filter((r) => !r.gateway_sid), (r) => r.reason || '(none)');

  console.log('');
  console.log(`soak: ${c.audience} requested, ${c.recipients} recipients, ${kills} SIGKILLs ` +
              `(${connector.starts} starts), ${elapsed.toFixed(1)} s`);
  console.log(`  eligible (sent)        ${c.eligible}`);
  console.log(`  SMS at smsemu          ${c.sms}`);
  console.log(`  Tasks in sfemu         ${c.tasks}`);
  console.log(`  not sent, with reason  ${c.ineligible - c.noReason - c.unfinished}  ` +
              `${JSON.stringify(Object.fromEntries(reasons))}`);
  console.log(`  duplicate SMS          ${c.duplicateSms + c.orphanSms}  (orphan sends: ${c.orphanSms})`);
  console.log(`  missing SMS            ${c.missingSms}`);
  console.log(`  duplicate Tasks        ${c.duplicateTasks + c.orphanTasks}`);
  console.log(`  missing Tasks          ${c.missingTasks}`);
  console.log(`  lost recipients        ${c.lostRecipients + c.unfinished}`);
  console.log(`  without a reason       ${c.noReason}`);
  console.log(`  wrongly not sent       ${c.wronglySuppressed}  (of ${generatedEligible.size} generated eligible Leads)`);
  console.log(`  history mismatches     ${c.historyMismatch}`);
  for (const p of problems.slice(0, 10)) console.log(`  problem: ${p}`);
  const failures = c.duplicateSms + c.orphanSms + c.missingSms + c.duplicateTasks + c.orphanTasks + c.missingTasks +
                   c.lostRecipients + c.unfinished + c.noReason + c.wronglySuppressed + c.historyMismatch +
                   problems.length;
  console.log(failures === 0 ? 'soak: PASS (zero duplicates, zero losses)' : `soak: FAIL (${failures} problems)`);
  return failures === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
  console.error(`soak: ${err.stack || err.message}`);
  process.exit(2);
});
