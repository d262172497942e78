/**
 * SMS segment estimate, identical to the connector's common/sms_segments.h
 * (reference: sms-and-compliance.md §3).
 *
 * - GSM-7 when every character is in the GSM 03.38 basic set (1 septet) or its
 *   extension table (2 septets: ESC + code). One other character switches the
 *   whole message to UCS-2, counted in UTF-16 code units (astral characters
 *   such as most emoji are surrogate pairs = 2 units).
 * - Up to 160 septets / 70 units is one segment. Longer messages fill parts of
 *   153 septets / 67 units, and never split an escape pair or a surrogate pair
 *   across parts, so a part may hold only 152 / 66 and ceil(n / 153) can
 *   under-count.
 * - The empty message has 0 segments.
 */

// GSM 03.38 basic character set in code order 0x00-0x7F; 0x1B (ESC) is the
// escape to the extension table, not a character, so it is left out here.
const GSM7_BASIC =
    '@£$¥èéùìòÇ\nØø\rÅå' +
    'Δ_ΦΓΛΩΠΨΣΘΞ' +
    'ÆæßÉ' +
    ' !"#¤%&\'()*+,-./' +
    '0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
    '¿abcdefghijklmnopqrstuvwxyzäöñüà';

// Extension table: each costs two septets.
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

// Longest message body: what OutboundNotificationService.MESSAGE_LENGTH accepts and the connector
// sends (it suppresses longer rendered bodies). Counted in UTF-16 code units, like the textarea's
// max-length and Apex String.length().
export const MAX_MESSAGE_LENGTH = 1600;

export const GSM7 = 'GSM-7';
export const UCS2 = 'UCS-2';

const LIMITS = {
    [GSM7]: { single: 160, part: 153 },
    [UCS2]: { single: 70, part: 67 }
};

/** Septets for one GSM-7 character: 1 (basic), 2 (extension) or 0 when it is not GSM-7. */
export function gsm7Septets(character) {
    if (BASIC.has(character)) {
        return 1;
    }
    if (EXTENSION.has(character)) {
        return 2;
    }
    return 0;
}

/** True when every character of text is in the GSM-7 basic or extension set. */
export function isGsm7(text) {
    for (const character of text) {
        if (gsm7Septets(character) === 0) {
            return false;
        }
    }
    return true;
}

/**
 * Estimates how text is sent.
 * Returns { encoding: 'GSM-7' | 'UCS-2', characters, units, segments, perSegment,
 * remaining }: characters are Unicode code points, units are septets or
 * UTF-16 code units, perSegment is the capacity of each part at this length,
 * remaining the units left before another segment is needed.
 */
export function countSegments(text) {
    const value = text == null ? '' : String(text);
    const encoding = isGsm7(value) ? GSM7 : UCS2;
    // Each atom is indivisible: a basic character, an escape pair, a BMP
    // character, or a surrogate pair.
    const atoms = [];
    for (const character of value) {
        atoms.push(encoding === GSM7 ? gsm7Septets(character) : character.length);
    }
    const units = atoms.reduce((sum, size) => sum + size, 0);
    const { single, part } = LIMITS[encoding];

    let segments;
    let remaining;
    if (units === 0) {
        segments = 0;
        remaining = single;
    } else if (units <= single) {
        segments = 1;
        remaining = single - units;
    } else {
        segments = 1;
        let used = 0;
        for (const size of atoms) {
            if (used + size > part) {
                segments += 1;
                used = 0;
            }
            used += size;
        }
        remaining = part - used;
    }
    return {
        encoding,
        characters: atoms.length,
        units,
        segments,
        perSegment: units <= single ? single : part,
        remaining
    };
}
