// Every LWC bundle of apex/ compiled with @lwc/compiler, the compiler the platform runs on deploy:
// JavaScript (decorators, imports), templates (directives, bindings) and CSS. The bundles under
// fixtures/lwc-broken plant one defect each; the compiler must reject every one of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { SOURCE_DIR } from './lib.mjs';

const require = createRequire(import.meta.url);
const { transformSync } = require('@lwc/compiler');

const LWC_DIR = path.join(SOURCE_DIR, 'apex/force-app/main/default/lwc');
const BROKEN_DIR = path.join(SOURCE_DIR, 'tests/node/fixtures/lwc-broken');
const { sourceApiVersion } = JSON.parse(fs.readFileSync(path.join(SOURCE_DIR, 'apex/sfdx-project.json'), 'utf8'));

const bundlesIn = (dir) => fs.readdirSync(dir).filter((name) => fs.statSync(path.join(dir, name)).isDirectory());

// Compiles each .js/.html/.css file of a bundle; returns "file: error" strings, warnings included.
function compileBundle(dir, name) {
  const problems = [];
  for (const file of fs.readdirSync(path.join(dir, name)).filter((f) => /\.(js|html|css)$/.test(f))) {
    const source = fs.readFileSync(path.join(dir, name, file), 'utf8');
    try {
      const { code, warnings } = transformSync(source, file, {
        namespace: 'c',
        name,
        apiVersion: Number.parseInt(sourceApiVersion, 10),
      });
      assert.ok(code.length > 0);
      for (const w of warnings || []) problems.push(`${file}: warning ${w.message}`);
    } catch (e) {
      problems.push(`${file}: ${e.message.split('\n')[0]}`);
    }
  }
  return problems;
}

test('@lwc/compiler rejects each planted defect of fixtures/lwc-broken (control)', () => {
  const expected = {
    badTemplate: /badTemplate\.html: .*LWC1084: Unexpected if modifier tru/,
    badDecorator: /badDecorator\.js: .*Invalid 'track' decorator usage/,
    badCss: /badCss\.css: .*@import must precede all other statements/,
  };
  assert.deepEqual(bundlesIn(BROKEN_DIR).sort(), Object.keys(expected).sort());
  for (const [bundle, pattern] of Object.entries(expected)) {
    const problems = compileBundle(BROKEN_DIR, bundle);
    assert.equal(problems.length, 1, `${bundle}: ${problems.join('; ')}`);
    assert.match(problems[0], pattern);
  }
});

test('every LWC bundle of apex/ compiles with @lwc/compiler without warnings', () => {
  const bundles = bundlesIn(LWC_DIR);
  assert.deepEqual(bundles.sort(), ['sendSmsAction', 'sendSmsFlowScreen', 'smsComposer', 'smsSegments']);
  let files = 0;
  for (const bundle of bundles) {
    assert.deepEqual(compileBundle(LWC_DIR, bundle), [], `${bundle} does not compile`);
    files += fs.readdirSync(path.join(LWC_DIR, bundle)).filter((f) => /\.(js|html|css)$/.test(f)).length;
  }
  assert.ok(files >= 7, `${files} files compiled`);
});
