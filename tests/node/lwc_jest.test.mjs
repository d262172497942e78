// The LWC unit tests under apex/force-app/main/default/lwc/*/__tests__ (composer, segment counter,
// flow screen), run with @salesforce/sfdx-lwc-jest the way an SFDX project runs them: from the
// project root, components compiled by the LWC Jest transformer, lightning-* base components stubbed.
// The control copies the bundles, plants the defects of fixtures/lwc-jest-defects.json and
// expects exactly the listed tests to fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { SOURCE_DIR } from './lib.mjs';

const require = createRequire(import.meta.url);
const PROJECT = path.join(SOURCE_DIR, 'apex');
const LWC = 'force-app/main/default/lwc';
const NODE_MODULES = path.join(SOURCE_DIR, 'tests/node/node_modules');
const LWC_JEST = require.resolve('@salesforce/sfdx-lwc-jest/bin/sfdx-lwc-jest');

// Runs sfdx-lwc-jest in an SFDX project; returns { status, output, results: { fullName: status } }.
function runLwcJest(projectDir) {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-jest-')), 'report.json');
  try {
    // The test files live in apex/, not below tests/node, so Jest also resolves packages
    // (@salesforce/sfdx-lwc-jest's wire adapters) from the tests' node_modules.
    const run = spawnSync(
      process.execPath,
      [LWC_JEST, '--', '--ci', '--json', `--outputFile=${report}`, `--modulePaths=${NODE_MODULES}`, '--watchman=false'],
      { cwd: projectDir, encoding: 'utf8', timeout: 300_000 },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    assert.ok(fs.existsSync(report), `sfdx-lwc-jest wrote no report (status ${run.status}):\n${output.slice(-3000)}`);
    const results = {};
    for (const suite of JSON.parse(fs.readFileSync(report, 'utf8')).testResults) {
      for (const a of suite.assertionResults) results[a.fullName] = a.status;
    }
    return { status: run.status, output, results };
  } finally {
    fs.rmSync(path.dirname(report), { recursive: true, force: true });
  }
}

const names = (results, prefix) => Object.keys(results).filter((n) => n.startsWith(prefix));

test('the LWC Jest tests of the composer, segment counter and flow screen pass', () => {
  const { status, output, results } = runLwcJest(PROJECT);
  assert.equal(status, 0, output.slice(-4000));
  assert.ok(names(results, 'c-sms-composer ').length >= 6, 'composer tests');
  assert.ok(names(results, 'c-sms-segments ').length >= 4, 'segment counter tests');
  assert.ok(names(results, 'c-send-sms-flow-screen ').length >= 3, 'flow screen tests');
  const failed = Object.entries(results).filter(([, s]) => s !== 'passed');
  assert.deepEqual(failed, []);
});

test('the LWC Jest tests fail on each planted defect (control)', () => {
  const { defects } = JSON.parse(fs.readFileSync(path.join(SOURCE_DIR, 'tests/node/fixtures/lwc-jest-defects.json'), 'utf8'));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-lwc-defects-'));
  try {
    fs.copyFileSync(path.join(PROJECT, 'sfdx-project.json'), path.join(copy, 'sfdx-project.json'));
    fs.cpSync(path.join(PROJECT, LWC), path.join(copy, LWC), { recursive: true });
    for (const { file, from, to } of defects) {
      const target = path.join(copy, LWC, file);
      const source = fs.readFileSync(target, 'utf8');
      assert.ok(source.includes(from), `${file} no longer contains the text the defect replaces: ${from}`);
      fs.writeFileSync(target, source.replace(from, to));
    }
    const { status, results } = runLwcJest(copy);
    assert.notEqual(status, 0, 'sfdx-lwc-jest passed with every defect planted');
    const expected = defects.flatMap((d) => d.fails).sort();
    const failed = Object.entries(results).filter(([, s]) => s === 'failed').map(([n]) => n).sort();
    assert.deepEqual(failed, expected);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});
