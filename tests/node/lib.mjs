// Shared helpers for Node tests: start a built program on an OS-chosen port and stop it afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const BIN_DIR = process.env.SFN_BIN_DIR || path.resolve(import.meta.dirname, '../../build/bin');
export const SOURCE_DIR = process.env.SFN_SOURCE_DIR || path.resolve(import.meta.dirname, '../..');

// Spawns `argv` and resolves to { url, child, stop() } once it prints "listening on URL".
function spawnReady(argv, env, stderr, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', stderr], env: { ...process.env, ...env } });
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within 30 s`));
    }, 30000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited with ${code}`)); });
    child.stdout.on('data', (chunk) => {
      buffer += chunk.toString();
      const m = buffer.match(/listening on (https?:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          url: m[1],
          child,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
        });
      }
    });
  });
}

// Starts BIN_DIR/program on an OS-chosen port; resolves to { url, child, stop() } once ready.
export function startServer(program, args = [], env = {}) {
  return spawnReady([path.join(BIN_DIR, program), '--port', '0', ...args], env, 'inherit', program);
}

// Starts `sfnotify run --config configPath`; stderr goes to `logPath` when given (else inherited).
export function startConnector(configPath, env = {}, logPath = null) {
  return spawnReady([path.join(BIN_DIR, 'sfnotify'), 'run', '--config', configPath], env,
                    logPath ? fs.openSync(logPath, 'a') : 'inherit', 'sfnotify');
}

// Polls `check` until it returns a truthy value (returned) or `ms` pass (throws).
export async function waitFor(check, ms = 30000, interval = 150) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, interval));
  }
}
