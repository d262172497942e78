// The LWC segment counter (apex/.../lwc/smsSegments) against every worked example of
// sms-and-compliance.md §3.5 and the rules of §3.1-3.4, importing the module directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SOURCE_DIR } from './lib.mjs';

const modulePath = path.join(SOURCE_DIR, 'apex/force-app/main/default/lwc/smsSegments/smsSegments.js');
const { countSegments, isGsm7, gsm7Septets, GSM7, UCS2 } = await import(pathToFileURL(modulePath).href);

const a = (n) => 'a'.repeat(n);
const rep = (s, n) => s.repeat(n);

function check(body, encoding, units, segments) {
  const got = countSegments(body);
  assert.deepEqual(
    { encoding: got.encoding, units: got.units, segments: got.segments },
    { encoding, units, segments },
    `body of ${[...body].length} characters starting ${JSON.stringify(body.slice(0, 12))}`,
  );
}

test('§3.5 worked examples', () => {
  check(a(160), GSM7, 160, 1);
  check(a(161), GSM7, 161, 2);
  check(a(306), GSM7, 306, 2);
  check(a(307), GSM7, 307, 3);
  check(rep('€', 80), GSM7, 160, 1);
  check(rep('€', 81), GSM7, 162, 2);
  check(a(152) + '€' + a(152), GSM7, 306, 3);
  check(rep('ж', 70), UCS2, 70, 1);
  check(rep('ж', 71), UCS2, 71, 2);
  check(rep('ж', 134), UCS2, 134, 2);
  check(rep('ж', 135), UCS2, 135, 3);
  check(rep('😀', 35), UCS2, 70, 1);
  check(rep('😀', 36), UCS2, 72, 2);
  check(a(66) + '😀' + a(66), UCS2, 134, 3);
  check('Hello “quoted”', UCS2, 14, 1);
});

test('empty and missing bodies have no segments', () => {
  check('', GSM7, 0, 0);
  assert.equal(countSegments(null).segments, 0);
  assert.equal(countSegments(undefined).units, 0);
});

test('the GSM-7 basic set has 127 characters besides ESC, the extension set 10', () => {
  const basic =
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  assert.equal([...basic].length, 127);
  for (const c of basic) assert.equal(gsm7Septets(c), 1, `basic ${JSON.stringify(c)}`);
  for (const c of '\f^{}\\[~]|€') assert.equal(gsm7Septets(c), 2, `extension ${JSON.stringify(c)}`);
  // Every other BMP code point is outside GSM-7.
  const all = new Set([...basic, ...'\f^{}\\[~]|€']);
  let others = 0;
  for (let cp = 0; cp < 0x10000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (!all.has(c)) {
      assert.equal(gsm7Septets(c), 0, `U+${cp.toString(16)} must not be GSM-7`);
      others++;
    }
  }
  assert.equal(others, 0x10000 - 0x800 - 137);
});

test('look-alikes that force UCS-2 (§3.2)', () => {
  for (const c of ['“', '”', '‘', '’', '…', '–', '—', '`', 'ç', 'Á', '\u001b', '\t']) {
    assert.equal(isGsm7('Hi ' + c), false, `${JSON.stringify(c)} is not GSM-7`);
    assert.equal(countSegments('Hi ' + c).encoding, UCS2);
  }
  // $ is GSM-7 (0x02) and ¤ is 0x24; straight quotes are GSM-7.
  for (const c of ['$', '¤', '"', "'", 'Ç', '\n', '\r']) assert.equal(isGsm7(c), true, JSON.stringify(c));
});

test('one non-GSM character switches the whole message, making extension characters cost 1', () => {
  check(rep('€', 10) + 'ж', UCS2, 11, 1);
  check(a(69) + '’', UCS2, 70, 1);
  check(a(70) + '’', UCS2, 71, 2);
});

test('a body that fits one message is never split, whatever sits at unit 153 or 67', () => {
  check(a(152) + '€' + a(6), GSM7, 160, 1);
  check(a(66) + '😀' + a(2), UCS2, 70, 1);
});

test('boundaries: single limits, escape at the edge, surrogate at the edge', () => {
  check(a(159) + '€', GSM7, 161, 2); // crosses 160: parts of 153
  check(a(158) + '€', GSM7, 160, 1);
  check(a(153) + '€' + a(151), GSM7, 306, 2); // € starts part 2 exactly
  check(a(152) + '{' + a(153), GSM7, 307, 3);
  check(a(67) + '😀', UCS2, 69, 1);
  check(a(69) + '😀', UCS2, 71, 2);
  check(a(134), GSM7, 134, 1); // plain ASCII stays GSM-7
  check('ж' + a(65) + '😀' + a(66), UCS2, 134, 3); // pair straddles the 67 boundary
  check('ж' + a(66) + '😀' + a(65), UCS2, 134, 2); // pair starts part 2
});

test('emoji sequences count every UTF-16 unit (ZWJ, flags, skin tones)', () => {
  check('👩‍👩‍👧', UCS2, 8, 1); // 3 astral + 2 ZWJ
  check('🇺🇸', UCS2, 4, 1);
  check('👍🏽', UCS2, 4, 1);
  assert.equal(countSegments('👩‍👩‍👧').characters, 5);
});

test('remaining and perSegment tell the UI how much room is left', () => {
  assert.deepEqual(
    (({ perSegment, remaining }) => ({ perSegment, remaining }))(countSegments(a(150))),
    { perSegment: 160, remaining: 10 },
  );
  const long = countSegments(a(200));
  assert.equal(long.perSegment, 153);
  assert.equal(long.remaining, 153 - 47);
  const ucs = countSegments(rep('ж', 10));
  assert.equal(ucs.perSegment, 70);
  assert.equal(ucs.remaining, 60);
});

test('long messages: 1600 characters', () => {
  check(a(1600), GSM7, 1600, Math.ceil(1600 / 153));
  check(rep('ж', 1600), UCS2, 1600, Math.ceil(1600 / 67));
  check(rep('€', 800), GSM7, 1600, Math.ceil(800 / 76)); // 76 escape pairs fill 152 of 153
});
