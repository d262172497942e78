// The official Salesforce CLI (`sf`, npm @salesforce/cli, unchanged) against sfemu: login by
// access token and by JWT, org display, limits, query with paging, record CRUD, sObject
// describe/list, api request rest, Bulk API 2.0 export, org open --url-only, and TLS.
// Every assertion is on what the CLI printed (--json) and on what sfemu received or stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startServer, SOURCE_DIR } from '../node/lib.mjs';

const CLI = path.join(process.env.SF_CLI_DIR || path.resolve(import.meta.dirname, '../../build/sf-cli'),
                      'package/bin/run.js');
const USER = 'integration@sfnotify.demo';
const EXTRA_ACCOUNTS = 2100;  // more than one REST query batch (2,000)

let home;
let emu;

// Runs `sf args...` with a private HOME; resolves to { code, stdout, stderr, json }.
function sf(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], {
      cwd: home,
      timeout: 180000,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, '.config'),
        XDG_DATA_HOME: path.join(home, '.local/share'),
        XDG_CACHE_HOME: path.join(home, '.cache'),
        SF_DISABLE_TELEMETRY: 'true',
        SF_AUTOUPDATE_DISABLE: 'true',
        SF_SKIP_NEW_VERSION_CHECK: 'true',
        SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
        SF_DISABLE_LOG_FILE: 'true',
        SF_CONTAINER_MODE: 'false',
        ...env,
      },
    }, (error, stdout, stderr) => {
      let json = null;
      try { json = JSON.parse(stdout); } catch { /* not JSON output */ }
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr, json });
    });
  });
}

// Asserts a zero exit and returns the parsed --json result.
async function sfOk(args, env) {
  const r = await sf(args, env);
  assert.equal(r.code, 0, `sf ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.json ? r.json.result : r.stdout;
}

async function accessToken(url, username = USER) {
  const res = await fetch(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'sfnotify-local',
                                client_secret: 'sfnotify-local-secret', username,
                                password: 'sfnotify-demo' }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).access_token;
}

async function hook(url, p) {
  const res = await fetch(url + p);
  return res.json();
}

async function requestsSince(seq) {
  return (await hook(emu.url, `/__emulator/requests?since=${seq}`)).requests;
}
async function lastSeq() {
  return (await hook(emu.url, '/__emulator/requests')).last_seq;
}

before(async () => {
  assert.ok(fs.existsSync(CLI), `Salesforce CLI not installed at ${CLI} (ctest -R sfcli:install)`);
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'sfnotify-sfcli-'));
  const records = [];
  for (let i = 0; i < EXTRA_ACCOUNTS; ++i) {
    records.push({ attributes: { type: 'Account' }, Name: `CLI Paging ${String(i).padStart(4, '0')}` });
  }
  const seed = path.join(home, 'seed.json');
  fs.writeFileSync(seed, JSON.stringify({ demo_data: true, records }));
  emu = await startServer('sfemu', ['--seed', seed, '--bulk-page-records', '1000']);
  const token = await accessToken(emu.url);
  // The CLI stores the instance URL with a trailing '/', so its REST paths start with '//'.
  await sfOk(['org', 'login', 'access-token', '--instance-url', `${emu.url}/`, '--no-prompt',
              '--alias', 'emu', '--json'], { SF_ACCESS_TOKEN: token });
});

after(async () => {
  if (emu) await emu.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('org login access-token stored the org: userinfo and the User record were read', async () => {
  const list = await sfOk(['org', 'list', 'auth', '--json']);
  const entry = list.find((e) => e.alias === 'emu');
  assert.ok(entry, JSON.stringify(list));
  assert.equal(entry.username, USER);
  assert.equal(entry.orgId, '00D5g0000000001EAA');
});

test('org login jwt with the demo key (exp = Date.now() + 300 ms, as the CLI sends it)', async () => {
  const since = await lastSeq();
  // Another user than the access-token login: the CLI keeps one auth (and alias) per username.
  const result = await sfOk(['org', 'login', 'jwt', '--username', 'sender@sfnotify.demo', '--jwt-key-file',
                             path.join(SOURCE_DIR, 'sandbox/certs/sfemu-demo.key'),
                             '--client-id', 'sfnotify-local', '--instance-url', emu.url,
                             '--alias', 'emujwt', '--json']);
  assert.equal(result.username, 'sender@sfnotify.demo');
  assert.equal(result.orgId, '00D5g0000000001EAA');
  const reqs = await requestsSince(since);
  assert.ok(reqs.some((r) => r.path === '/services/oauth2/token' && r.status === 200), JSON.stringify(reqs));
  const display = await sfOk(['org', 'display', '--target-org', 'emujwt', '--json']);
  assert.equal(display.connectedStatus, 'Connected');
  assert.equal(display.username, 'sender@sfnotify.demo');
});

test('org display shows the org and its connection', async () => {
  const result = await sfOk(['org', 'display', '--target-org', 'emu', '--json']);
  assert.equal(result.id, '00D5g0000000001EAA');
  assert.equal(result.username, USER);
  assert.equal(result.connectedStatus, 'Connected');
  assert.ok(result.instanceUrl.startsWith(emu.url), result.instanceUrl);
});

test('org list limits', async () => {
  const result = await sfOk(['org', 'list', 'limits', '--target-org', 'emu', '--json']);
  const daily = result.find((l) => l.name === 'DailyApiRequests');
  assert.ok(daily, JSON.stringify(result));
  assert.equal(daily.max, 15000);
  assert.ok(daily.remaining < daily.max);
});

test('data query pages through nextRecordsUrl and asks for columnMetadata', async () => {
  const since = await lastSeq();
  const result = await sfOk(['data', 'query', '--query', "SELECT Id, Name, Owner.Name FROM Account WHERE Name LIKE 'CLI Paging%'",
                             '--target-org', 'emu', '--json']);
  assert.equal(result.totalSize, EXTRA_ACCOUNTS);
  assert.equal(result.records.length, EXTRA_ACCOUNTS);
  assert.equal(new Set(result.records.map((r) => r.Id)).size, EXTRA_ACCOUNTS);
  assert.equal(result.records[0].Owner.Name, 'Integration User');
  const reqs = await requestsSince(since);
  assert.ok(reqs.some((r) => /\/query\/01g[^/]+-2000$/.test(r.path) && r.status === 200),
            'second page fetched: ' + JSON.stringify(reqs.map((r) => r.path)));
  assert.ok(reqs.some((r) => r.query.includes('columns=true') && r.status === 200));
  // Human output uses the column metadata for its table header.
  const human = await sfOk(['data', 'query', '--query', 'SELECT Name, Owner.Name FROM Lead LIMIT 3',
                            '--target-org', 'emu']);
  assert.match(human, /OWNER\.NAME|Owner\.Name/i);
  assert.match(human, /Total number of records retrieved: 3/);
});

test('data create / get / update / delete record', async () => {
  const created = await sfOk(['data', 'create', 'record', '--sobject', 'Account',
                              '--values', "Name='CLI Created Co' Phone='555-0100'", '--target-org', 'emu', '--json']);
  assert.equal(created.success, true);
  assert.match(created.id, /^001/);
  const got = await sfOk(['data', 'get', 'record', '--sobject', 'Account', '--record-id', created.id,
                          '--target-org', 'emu', '--json']);
  assert.equal(got.Name, 'CLI Created Co');
  assert.equal(got.Phone, '555-0100');
  await sfOk(['data', 'update', 'record', '--sobject', 'Account', '--record-id', created.id,
              '--values', "Name='CLI Renamed Co'", '--target-org', 'emu', '--json']);
  let stored = (await hook(emu.url, `/__emulator/records?type=Account&id=${created.id}`)).records[0];
  assert.equal(stored.Name, 'CLI Renamed Co');
  await sfOk(['data', 'delete', 'record', '--sobject', 'Account', '--record-id', created.id,
              '--target-org', 'emu', '--json']);
  stored = (await hook(emu.url, `/__emulator/records?type=Account&id=${created.id}`)).records[0];
  assert.equal(stored.IsDeleted, true);
  // Bad input: a clear CLI error, non-zero exit.
  const bad = await sf(['data', 'create', 'record', '--sobject', 'Account', '--values', "Nope__c='x'",
                        '--target-org', 'emu', '--json']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /INVALID_FIELD|No such column/);
});

test('sobject describe and sobject list', async () => {
  const lead = await sfOk(['sobject', 'describe', '--sobject', 'Lead', '--target-org', 'emu', '--json']);
  assert.equal(lead.name, 'Lead');
  const names = lead.fields.map((f) => f.name);
  for (const f of ['IsConverted', 'ConvertedContactId', 'MobilePhone', 'SMS_Opt_In__c']) assert.ok(names.includes(f), f);
  const org = await sfOk(['sobject', 'describe', '--sobject', 'Organization', '--target-org', 'emu', '--json']);
  assert.equal(org.createable, false);
  const all = await sfOk(['sobject', 'list', '--sobject', 'all', '--target-org', 'emu', '--json']);
  for (const o of ['Lead', 'Contact', 'Organization', 'PermissionSetGroup', 'Outbound_Notification__e']) {
    assert.ok(all.includes(o), o);
  }
  const custom = await sfOk(['sobject', 'list', '--sobject', 'custom', '--target-org', 'emu', '--json']);
  assert.ok(custom.includes('Outbound_Notification__e') || custom.includes('SMS_Template__mdt'), JSON.stringify(custom));
  assert.ok(!custom.includes('Lead'));
});

test('api request rest', async () => {
  const r = await sf(['api', 'request', 'rest', '/services/data/v62.0/query?q=SELECT+Name+FROM+Organization',
                      '--target-org', 'emu']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const body = r.json ?? JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  assert.equal(body.totalSize, 1);
  assert.equal(body.records[0].Name, 'sfnotify demo org');
});

test('data export bulk: Bulk API 2.0 query job, CSV results paged by Sforce-Locator', async () => {
  const since = await lastSeq();
  const file = path.join(home, 'accounts.csv');
  await sfOk(['data', 'export', 'bulk', '--query', "SELECT Id, Name FROM Account WHERE Name LIKE 'CLI Paging%'",
              '--output-file', file, '--result-format', 'csv', '--wait', '5', '--target-org', 'emu', '--json']);
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  assert.equal(lines[0].replace(/"/g, ''), 'Id,Name');
  assert.equal(lines.length, EXTRA_ACCOUNTS + 1);
  assert.equal(new Set(lines.slice(1)).size, EXTRA_ACCOUNTS);
  const reqs = await requestsSince(since);
  assert.ok(reqs.some((r) => r.method === 'POST' && /\/jobs\/query$/.test(r.path) && r.status === 200));
  const pages = reqs.filter((r) => /\/jobs\/query\/750[^/]+\/results$/.test(r.path));
  assert.equal(pages.length, 3, JSON.stringify(pages));  // 1000 + 1000 + 100 rows
  assert.ok(pages.slice(1).every((r) => r.query.includes('locator=')));
});

test('org open --url-only gives a frontdoor URL from /services/oauth2/singleaccess', async () => {
  const since = await lastSeq();
  const result = await sfOk(['org', 'open', '--url-only', '--target-org', 'emu', '--json']);
  assert.match(result.url, /\/secur\/frontdoor\.jsp\?otp=/);
  assert.ok(result.url.startsWith(emu.url));
  const reqs = await requestsSince(since);
  assert.ok(reqs.some((r) => r.path === '/services/oauth2/singleaccess' && r.status === 200));
});

// POST over https trusting only `ca`; resolves to the parsed JSON body.
function httpsPost(url, ca, contentType, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'content-type': contentType } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => { try { resolve(JSON.parse(data)); } catch (e) { reject(e); } });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('--tls: login, display and sfdx-url over https, trusting the printed demo CA', async () => {
  const tls = await startServer('sfemu', ['--tls']);
  try {
    assert.match(tls.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const caPath = path.join(SOURCE_DIR, 'sandbox/certs/sfemu-demo.crt');
    const ca = fs.readFileSync(caPath);
    const env = { NODE_EXTRA_CA_CERTS: caPath };
    const token = (await httpsPost(`${tls.url}/services/oauth2/token`, ca, 'application/x-www-form-urlencoded',
      `grant_type=password&client_id=sfnotify-local&client_secret=sfnotify-local-secret&username=${USER}&password=sfnotify-demo`)).access_token;
    assert.match(token, /^00D/);
    // Without trusting the CA the CLI refuses the certificate.
    const untrusted = await sf(['org', 'login', 'access-token', '--instance-url', tls.url, '--no-prompt',
                                '--alias', 'tls-untrusted', '--json'], { SF_ACCESS_TOKEN: token });
    assert.notEqual(untrusted.code, 0);
    await sfOk(['org', 'login', 'access-token', '--instance-url', tls.url, '--no-prompt', '--alias', 'tls',
                '--json'], { SF_ACCESS_TOKEN: token, ...env });
    const display = await sfOk(['org', 'display', '--target-org', 'tls', '--json'], env);
    assert.equal(display.connectedStatus, 'Connected');
    assert.ok(display.instanceUrl.startsWith('https://'));
    // sf org login sfdx-url always speaks https: force://CLIENT_ID:SECRET:REFRESH_TOKEN@HOST.
    const refresh = (await httpsPost(`${tls.url}/__emulator/oauth/refresh-token`, ca, 'application/json',
                                     JSON.stringify({ username: 'viewer@sfnotify.demo' }))).refresh_token;
    assert.ok(refresh);
    const sfdxUrl = path.join(home, 'sfdx-url.txt');
    fs.writeFileSync(sfdxUrl, `force://sfnotify-local:sfnotify-local-secret:${refresh}@${tls.url.replace('https://', '')}`);
    const fromUrl = await sfOk(['org', 'login', 'sfdx-url', '--sfdx-url-file', sfdxUrl, '--alias', 'tls-url',
                                '--json'], env);
    assert.equal(fromUrl.username, 'viewer@sfnotify.demo');
  } finally {
    await tls.stop();
  }
});
