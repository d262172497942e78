#!/usr/bin/env node
// Side-by-side benchmark: sfnotify against the script a team would write
// instead (bench/peer/peer.mjs, jsforce + twilio), on the same workload against
// fresh sfemu and smsemu instances. For each size it prints wall time,
// recipients per second, Salesforce API calls (sfemu's own request log) and the
// process's peak RSS (VmHWM), then the ratios. For sfnotify also its CPU time
// per recipient (utime+stime from /proc, read once every status callback has
// been applied) and its send rate against the bound min(contact-point MPS,
// max_in_flight / gateway RTT).
//
//   node bench/peer/compare.mjs [--bin build/bin] [--sizes 2000,20000]
//                               [--gateway-rtt-ms 120] [--org-rtt-ms 80]
//
// The RTT options start smsemu and sfemu with --latency-ms, so both systems
// run through the same network delay (every API response that much later).
//
// sfnotify is timed from POST /v1/notifications until every SMS is accepted
// and every Task written (its process is already up and logged in, as a
// daemon is); the peer script from its start (it must log in) to its exit.
// Both see every record consenting with a valid, distinct number.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SOURCE_DIR = path.resolve(import.meta.dirname, '../..');
const PEER = path.join(import.meta.dirname, 'peer.mjs');

function parseArgs(argv) {
  const opts = { bin: path.join(SOURCE_DIR, 'build/bin'), sizes: [2000, 20000], gatewayRtt: 0, orgRtt: 0 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--bin') opts.bin = path.resolve(argv[++i]);
    else if (argv[i] === '--sizes') opts.sizes = argv[++i].split(',').map(Number);
    else if (argv[i] === '--gateway-rtt-ms') opts.gatewayRtt = Number(argv[++i]);
    else if (argv[i] === '--org-rtt-ms') opts.orgRtt = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (opts.sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--sizes: positive integers');
  for (const k of ['gatewayRtt', 'orgRtt']) {
    if (!Number.isInteger(opts[k]) || opts[k] < 0) throw new Error('--gateway-rtt-ms/--org-rtt-ms: integers >= 0');
  }
  return opts;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const live = new Set();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

function start(program, args, { env = {}, logFile, ready = /listening on (http:\/\/\S+)/ } = {}) {
  return new Promise((resolve, reject) => {
    const err = logFile ? fs.openSync(logFile, 'a') : 'ignore';
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', err], env: { ...process.env, ...env } });
    live.add(child);
    child.on('exit', () => live.delete(child));
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${program} did not start`)), 60000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${path.basename(program)} exited ${code}`)); });
    child.stdout.on('data', (chunk) => {
      buffer += chunk.toString();
      const m = buffer.match(ready);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.on('exit', (code, signal) => {
          live.delete(child);
          if (!child.stopping) console.error(`  ${path.basename(program)} exited unexpectedly (${code ?? signal})`);
        });
        resolve({ child, url: m[1] });
      }
    });
  });
}

function stop(child) {
  return new Promise((done) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.stopping = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10000).unref();
  });
}

async function http(method, url, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, text, json: () => JSON.parse(text) };
}

// Peak resident set size of a live process, in MiB (VmHWM is the kernel's high-water mark).
function peakRssMiB(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

// utime+stime of a live process, in seconds (/proc/PID/stat fields 14 and 15, in clock ticks).
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // CLK_TCK is 100 on Linux
}

// Median round trip of a cheap gateway API call, in seconds (what one send waits at least).
async function gatewayRtt(smsUrl) {
  const auth = { Authorization: `Basic ${Buffer.from('AC0123456789abcdef0123456789abcdef:smsemu-demo-token').toString('base64')}` };
  const times = [];
  for (let i = 0; i < 9; i++) {
    const t = performance.now();
    await http('GET', `${smsUrl}/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json?PageSize=1`,
               undefined, auth);
    times.push((performance.now() - t) / 1000);
  }
  return times.sort((a, b) => a - b)[4];
}

// Samples VmHWM until the process exits (it cannot be read afterwards).
function watchPeak(child) {
  let peak = 0;
  const timer = setInterval(() => { peak = Math.max(peak, peakRssMiB(child.pid)); }, 50);
  return () => { clearInterval(timer); return Math.max(peak, peakRssMiB(child.pid)); };
}

async function startEmulators(dir, size) {
  const records = [];
  for (let i = 0; i < size; i++) {
    records.push({ attributes: { type: 'Lead' }, FirstName: `F${i}`, LastName: `Bench${i}`, Company: 'Bench Co',
                   SMS_Opt_In__c: true, MobilePhone: `+1415${String(2000000 + i).padStart(7, '0')}` });
  }
  const seed = path.join(dir, 'seed.json');
  fs.writeFileSync(seed, JSON.stringify({ demo_data: false, records }));
  const sf = await start(path.join(BIN, 'sfemu'), ['--port', '0', '--seed', seed, '--latency-ms', String(OPTS.orgRtt)],
                         { logFile: path.join(dir, 'sfemu.log') });
  const sms = await start(path.join(BIN, 'smsemu'), ['--port', '0', '--mps', '1000000', '--delivery-delay-ms', '5',
                                                     '--latency-ms', String(OPTS.gatewayRtt)],
                          { logFile: path.join(dir, 'smsemu.log') });
  const leads = (await http('GET', `${sf.url}/__emulator/records?type=Lead`)).json().records;
  const ids = leads.filter((l) => l.Company === 'Bench Co').map((l) => l.Id);
  const users = (await http('GET', `${sf.url}/__emulator/records?type=User`)).json().records;
  return { sf, sms, ids, senderId: users.find((u) => u.Username === 'sender@sfnotify.demo').Id };
}

async function apiCalls(sfUrl, sinceSeq) {
  const log = (await http('GET', `${sfUrl}/__emulator/requests?since=${sinceSeq}`)).json();
  if (process.env.BENCH_DEBUG_CALLS) {
    const by = {};
    for (const r of log.requests.filter((x) => x.api_call)) {
      const k = `${r.method} ${r.path.replace(/\/[a-zA-Z0-9]{15,18}(?=\/|$)/g, '/{id}')}`;
      by[k] = (by[k] || 0) + 1;
    }
    console.error(by);
  }
  return { calls: log.requests.filter((r) => r.api_call).length, last: log.last_seq };
}
async function lastSeq(sfUrl) { return (await http('GET', `${sfUrl}/__emulator/requests`)).json().last_seq; }

async function outcome(env) {
  const messages = (await http('GET', `${env.sms.url}/__emulator/messages`)).json().messages;
  const tasks = (await http('GET', `${env.sf.url}/__emulator/records?type=Task`)).json().records;
  return { sms: messages.filter((m) => m.direction !== 'inbound').length,
           tasks: tasks.filter((t) => !t.IsDeleted && t.SMS_Message_Sid__c).length };
}

async function runSfnotify(size, dir) {
  const env = await startEmulators(dir, size);
  try {
    const config = {
      salesforce: { login_url: env.sf.url, client_id: 'sfnotify-local', username: 'integration@sfnotify.demo',
                    private_key_file: path.join(SOURCE_DIR, 'sandbox/certs/sfemu-demo.key') },
      gateway: { type: 'twilio', base_url: env.sms.url, account_sid: 'AC0123456789abcdef0123456789abcdef',
                 auth_token_env: 'BENCH_SMS_TOKEN' },
      contact_points: [{ name: 'Alerts', sender: '+15005550006', roles: ['Everyone'],
                         max_messages_per_second: 100000, quiet_hours: 'none' }],
      store: { path: path.join(dir, 'sfnotify.sqlite') },
      mapping_file: path.join(SOURCE_DIR, 'mapping/demo-mapping.json'),
      http: { listen: '127.0.0.1:0', api_keys: [{ name: 'bench', key_env: 'BENCH_API_KEY', role: 'admin' }] },
      log_level: 'warn',
    };
    const configFile = path.join(dir, 'sfnotify.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
    const key = 'bench-key';
    const daemon = await start(path.join(BIN, 'sfnotify'), ['run', '--config', configFile],
                               { env: { BENCH_SMS_TOKEN: 'smsemu-demo-token', BENCH_API_KEY: key },
                                 logFile: path.join(dir, 'sfnotify.log') });
    const peak = watchPeak(daemon.child);
    const auth = { Authorization: `Bearer ${key}` };
    const since = await lastSeq(env.sf.url);
    const cpu0 = cpuSeconds(daemon.child.pid);
    const t0 = performance.now();
    const r = await http('POST', `${daemon.url}/v1/notifications`,
                         { request_id: `bench-${size}`, contact_point: 'Alerts', requested_by: env.senderId,
                           message: 'Hello {!Recipient.FirstName}, your appointment is tomorrow at 10.',
                           record_ids: env.ids }, auth);
    if (r.status !== 202) throw new Error(`sfnotify refused the workload: ${r.status} ${r.text.slice(0, 300)}`);
    const id = r.json().notification_id;
    let sendStart = 0, sendEnd = 0;
    for (;;) {
      const m = await http('GET', `${daemon.url}/metrics`);
      const value = (re) => Number((m.text.match(re) || [])[1] || 0);
      const left = value(/^sfnotify_queue_depth (\d+)/m);
      const pending = value(/^sfnotify_recipients\{state="pending"\} (\d+)/m);
      const now = performance.now();
      if (!sendStart && left > 0 && pending < size) sendStart = now;
      if (sendStart && !sendEnd && left === 0) sendEnd = now;
      if (left === 0 && value(/^sfnotify_tasks\{state="pending"\} (\d+)/m) === 0) {
        const n = (await http('GET', `${daemon.url}/v1/notifications/${id}`, undefined, auth)).json();
        if (n.status === 'done' && n.recipients.every((x) => !x.gateway_sid || x.task_state === 'written')) break;
      }
      await sleep(50);
    }
    const wall = (performance.now() - t0) / 1000;
    // CPU including the status callbacks: wait until every recipient is delivered (or 30 s).
    for (let waited = 0; waited < 30000; waited += 100) {
      const m = await http('GET', `${daemon.url}/metrics`);
      if (Number((m.text.match(/^sfnotify_recipients\{state="delivered"\} (\d+)/m) || [])[1] || 0) >= size) break;
      await sleep(100);
    }
    const cpuUs = (cpuSeconds(daemon.child.pid) - cpu0) * 1e6 / size;
    const rtt = await gatewayRtt(env.sms.url);
    const sendRate = sendEnd > sendStart ? size / ((sendEnd - sendStart) / 1000) : 0;
    const bound = Math.min(100000, MAX_IN_FLIGHT / rtt);
    const peakMiB = peak();
    const calls = (await apiCalls(env.sf.url, since)).calls;
    await stop(daemon.child);
    return { wall, calls, peakMiB, cpuUs, sendRate, bound, rtt, ...(await outcome(env)) };
  } finally {
    await stop(env.sf.child);
    await stop(env.sms.child);
  }
}

async function runPeer(size, dir) {
  const env = await startEmulators(dir, size);
  try {
    const idsFile = path.join(dir, 'ids.txt');
    fs.writeFileSync(idsFile, env.ids.join('\n'));
    // The peer script imports jsforce and twilio; they are installed once for the Node tests.
    const modules = path.join(import.meta.dirname, 'node_modules');
    if (!fs.existsSync(modules)) fs.symlinkSync(path.join(SOURCE_DIR, 'tests/node/node_modules'), modules);
    const since = await lastSeq(env.sf.url);
    const t0 = performance.now();
    const child = spawn(process.execPath, [PEER, '--login-url', env.sf.url, '--username', 'sender@sfnotify.demo',
      '--password', 'sfnotify-demo', '--client-id', 'sfnotify-local', '--client-secret', 'sfnotify-local-secret',
      '--twilio-url', env.sms.url, '--account-sid', 'AC0123456789abcdef0123456789abcdef',
      '--auth-token', 'smsemu-demo-token', '--from', '+15005550006', '--ids-file', idsFile,
      '--message', 'Hello {FirstName}, your appointment is tomorrow at 10.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const peak = watchPeak(child);
    let out = '', err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    const code = await new Promise((r) => child.on('exit', r));
    const wall = (performance.now() - t0) / 1000;
    const peakMiB = peak();
    if (code !== 0) throw new Error(`peer script failed (${code}): ${err.slice(0, 500)}`);
    const calls = (await apiCalls(env.sf.url, since)).calls;
    return { wall, calls, peakMiB, ...(await outcome(env)), report: out.trim() };
  } finally {
    await stop(env.sf.child);
    await stop(env.sms.child);
  }
}

let BIN, OPTS;
const MAX_IN_FLIGHT = 64;  // gateway.max_in_flight: the default, not set in the bench config
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  BIN = opts.bin;
  OPTS = opts;
  console.log(`gateway RTT +${opts.gatewayRtt} ms, org RTT +${opts.orgRtt} ms (emulators' --latency-ms)`);
  const rows = [];
  for (const size of opts.sizes) {
    for (const [name, run] of [['sfnotify', runSfnotify], ['peer script', runPeer]]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-bench-'));
      try {
        const r = await run(size, dir);
        rows.push({ size, name, ...r });
        console.error(`  ${name} ${size}: ${r.wall.toFixed(1)} s`);
      } finally {
        if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const fmt = (v, w, d = 1) => (typeof v === 'number' ? v.toFixed(d) : String(v)).padStart(w);
  console.log('recipients  system        wall s   rcpt/s  SF API calls  peak RSS MiB    SMS  Tasks');
  for (const r of rows) {
    console.log(`${fmt(r.size, 10, 0)}  ${r.name.padEnd(12)} ${fmt(r.wall, 7, 2)} ${fmt(r.size / r.wall, 8, 0)} ` +
                `${fmt(r.calls, 13, 0)} ${fmt(r.peakMiB, 13)} ${fmt(r.sms, 6, 0)} ${fmt(r.tasks, 6, 0)}`);
  }
  console.log('ratios (peer script / sfnotify): wall time, API calls, peak RSS');
  for (const size of opts.sizes) {
    const a = rows.find((r) => r.size === size && r.name === 'sfnotify');
    const b = rows.find((r) => r.size === size && r.name === 'peer script');
    console.log(`${fmt(size, 10, 0)}  ${fmt(b.wall / a.wall, 6, 2)}x  ${fmt(b.calls / a.calls, 6, 2)}x  ` +
                `${fmt(b.peakMiB / a.peakMiB, 6, 2)}x`);
  }
  console.log('sfnotify: CPU per recipient (incl. status callbacks), send rate vs. min(MPS, max_in_flight/RTT)');
  for (const r of rows.filter((x) => x.name === 'sfnotify')) {
    console.log(`${fmt(r.size, 10, 0)}  ${fmt(r.cpuUs, 6, 0)} us/rcpt  send ${fmt(r.sendRate, 6, 0)}/s  ` +
                `bound ${fmt(r.bound, 7, 0)}/s (RTT ${fmt(r.rtt * 1000, 5, 1)} ms)  ${fmt(100 * r.sendRate / r.bound, 5, 1)} %  ` +
                `SF API calls ${r.calls} (budget ${Math.ceil(r.size / 2000) + Math.ceil(r.size / 200) + 3})`);
  }
  const incomplete = rows.filter((r) => r.sms !== r.size || r.tasks !== r.size);
  for (const r of incomplete) console.log(`note: ${r.name} at ${r.size}: ${r.sms} SMS, ${r.tasks} Tasks`);
}

main().catch((e) => { console.error(`bench: ${e.stack || e.message}`); process.exit(1); });
