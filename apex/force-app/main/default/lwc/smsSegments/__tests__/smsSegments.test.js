import { countSegments, isGsm7, MAX_MESSAGE_LENGTH, GSM7, UCS2 } from 'c/smsSegments';

// The counter as a module of the org (c/smsSegments through the LWC resolver and compiler);
// tests/node/lwc_segments.test.mjs runs every worked example of sms-and-compliance.md §3.5.
describe('c-sms-segments', () => {
    it.each([
        ['', GSM7, 0, 0],
        ['a'.repeat(160), GSM7, 160, 1],
        ['a'.repeat(161), GSM7, 161, 2],
        ['€'.repeat(80), GSM7, 160, 1],
        ['€'.repeat(81), GSM7, 162, 2],
        ['ж'.repeat(70), UCS2, 70, 1],
        ['ж'.repeat(71), UCS2, 71, 2],
        ['😀'.repeat(36), UCS2, 72, 2],
        ['a'.repeat(66) + '😀' + 'a'.repeat(66), UCS2, 134, 3]
    ])('counts %#', (body, encoding, units, segments) => {
        expect(countSegments(body)).toMatchObject({ encoding, units, segments });
    });

    it('reports characters as code points and what is left in the segment', () => {
        expect(countSegments('😀a')).toMatchObject({ characters: 2, units: 3, perSegment: 70, remaining: 67 });
        expect(countSegments('a'.repeat(200))).toMatchObject({ perSegment: 153, remaining: 106 });
    });

    it('knows the GSM-7 look-alikes', () => {
        expect(isGsm7('Hello "straight" $')).toBe(true);
        expect(isGsm7('Hello “curly”')).toBe(false);
    });

    it('caps messages where the service and the connector do', () => {
        expect(MAX_MESSAGE_LENGTH).toBe(1600);
        expect(countSegments('a'.repeat(MAX_MESSAGE_LENGTH)).segments).toBe(11);
    });
});
