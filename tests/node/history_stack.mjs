// What both browser tests of the history page run: sfemu, smsemu and the connector as
// processes (the connector configured with the caller's contact points and http section), and
// Debian's chromium through playwright-core. stop() ends all of them and removes the folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { SOURCE_DIR, startServer, startConnector } from './lib.mjs';

const CHROMIUM = process.env.SFN_CHROMIUM || '/usr/bin/chromium';

// `http` gets listen: 127.0.0.1:0; `env` holds the variables its api_keys name (the gateway
// token is set here).
export async function startHistoryStack({ name, contactPoints, http, env, viewport }) {
  const stack = { tmp: fs.mkdtempSync(path.join(os.tmpdir(), `sfn-${name}-`)) };
  stack.stop = async () => {
    if (stack.context) await stack.context.close();
    await stack.connector?.stop();
    for (const s of [stack.smsemu, stack.sfemu]) if (s) await s.stop();
    fs.rmSync(stack.tmp, { recursive: true, force: true });
  };
  try {
    stack.sfemu = await startServer('sfemu', ['--state', path.join(stack.tmp, 'org.sqlite')]);
    stack.smsemu = await startServer('smsemu', ['--delivery-delay-ms', '5']);
    const config = {
      salesforce: {
        login_url: stack.sfemu.url, client_id: 'sfnotify-local', username: 'integration@sfnotify.demo',
        private_key_file: path.join(SOURCE_DIR, 'sandbox/certs/sfemu-demo.key'),
      },
      gateway: {
        type: 'twilio', base_url: stack.smsemu.url, account_sid: 'AC0123456789abcdef0123456789abcdef',
        auth_token_env: 'HISTORY_SMS_TOKEN',
      },
      contact_points: contactPoints,
      store: { path: path.join(stack.tmp, 'sfnotify.sqlite') },
      mapping_file: path.join(SOURCE_DIR, 'mapping/demo-mapping.json'),
      http: { listen: '127.0.0.1:0', ...http },
    };
    const configPath = path.join(stack.tmp, 'sfnotify.json');
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    stack.connector = await startConnector(
      configPath, { HISTORY_SMS_TOKEN: 'smsemu-demo-token', ...env }, path.join(stack.tmp, 'sfnotify.log'));
    stack.api = stack.connector.url;
    stack.context = await chromium.launchPersistentContext(path.join(stack.tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    await stack.stop();
    throw e;
  }
  return stack;
}
