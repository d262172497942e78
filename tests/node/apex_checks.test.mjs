// Static checks of the SFDX project in apex/: Apex parses, LWC JavaScript is valid syntax, every
// XML file is well formed, and the metadata agrees with the names the connector and sfemu use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ApexParserFactory, ApexErrorListener } from '@apexdevtools/apex-parser';
import { SOURCE_DIR } from './lib.mjs';

// sax and xml2js arrive with jsforce; no extra dependency.
const require = createRequire(import.meta.url);
const sax = require('sax');
const xml2js = require('xml2js');

const PROJECT = path.join(SOURCE_DIR, 'apex');
const DEFAULT = path.join(PROJECT, 'force-app/main/default');

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}
const files = walk(PROJECT);
const read = (file) => fs.readFileSync(file, 'utf8');
const rel = (file) => path.relative(PROJECT, file);

// ---------------------------------------------------------------------------------------------
// Apex syntax

class CollectingListener extends ApexErrorListener {
  errors = [];
  apexSyntaxError(line, column, message) {
    this.errors.push(`${line}:${column} ${message.slice(0, 160)}`);
  }
}

function apexSyntaxErrors(source, isTrigger = false) {
  const listener = new CollectingListener();
  const { parser } = ApexParserFactory.createLexerAndParser(source, listener);
  if (isTrigger) parser.triggerUnit();
  else parser.compilationUnit();
  return listener.errors;
}

const apexFiles = files.filter((f) => f.endsWith('.cls') || f.endsWith('.trigger'));
const classSource = new Map(
  apexFiles.filter((f) => f.endsWith('.cls')).map((f) => [path.basename(f, '.cls'), read(f)]),
);

test('the Apex syntax check reports errors (control)', () => {
  assert.ok(apexSyntaxErrors('public class Broken { void f() { Integer a = ; } }').length > 0);
  assert.ok(apexSyntaxErrors("trigger T on Lead (after insert) { String s = 'open; }", true).length > 0);
  assert.deepEqual(apexSyntaxErrors('public class Fine { List<Lead> f() { return [SELECT Id FROM Lead WITH USER_MODE]; } }'), []);
});

test('every .cls and .trigger parses with @apexdevtools/apex-parser', () => {
  assert.ok(apexFiles.length >= 7, `found ${apexFiles.length} Apex files`);
  for (const file of apexFiles) {
    const errors = apexSyntaxErrors(read(file), file.endsWith('.trigger'));
    assert.deepEqual(errors, [], `${rel(file)} has syntax errors`);
  }
});

// The parser accepts some words as names that Salesforce reserves (documented reserved keywords).
test('Apex declares no variables named after reserved keywords', () => {
  const reserved = ['type', 'object', 'number', 'end', 'search', 'sort', 'stat', 'merge', 'limit', 'group', 'desc', 'asc', 'next'];
  const declaration = new RegExp(`\\b[A-Z][\\w.<>, ]*\\s+(${reserved.join('|')})\\s*[=;,)]`, 'g');
  for (const [name, source] of classSource) {
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/'(?:\\.|[^'\\])*'/g, "''");
    const found = [...code.matchAll(declaration)].map((m) => m[0].trim());
    assert.deepEqual(found, [], `${name}.cls uses reserved words as names`);
  }
  assert.ok(!declaration.test('Schema.SObjectType objectType = x;'));
  declaration.lastIndex = 0;
  assert.ok(declaration.test('Schema.SObjectType type = x;'));
});

test('every Apex file has its -meta.xml at the project API version', () => {
  const { sourceApiVersion } = JSON.parse(read(path.join(PROJECT, 'sfdx-project.json')));
  assert.match(sourceApiVersion, /^\d+\.0$/);
  for (const file of apexFiles) {
    const meta = `${file}-meta.xml`;
    assert.ok(fs.existsSync(meta), `${rel(meta)} is missing`);
    assert.match(read(meta), new RegExp(`<apiVersion>${sourceApiVersion.replace('.', '\\.')}</apiVersion>`), rel(meta));
  }
});

const isTestClass = (source) => /^\s*@isTest\b/im.test(source.replace(/\/\*[\s\S]*?\*\//g, ''));

test('every Apex class has an @isTest class with test methods', () => {
  const productionClasses = [...classSource.keys()].filter((name) => !isTestClass(classSource.get(name)));
  assert.deepEqual(
    productionClasses.sort(),
    ['OutboundNotificationInvocable', 'OutboundNotificationService', 'SendSmsController', 'SmsLeadConversion'],
  );
  for (const name of productionClasses) {
    const testSource = classSource.get(`${name}Test`);
    assert.ok(testSource, `${name}Test.cls is missing`);
    assert.ok(isTestClass(testSource), `${name}Test is not annotated @isTest`);
    const methods = testSource.match(/@isTest\s+static\s+void\s+\w+/gi) || [];
    assert.ok(methods.length >= 3, `${name}Test has ${methods.length} test methods`);
    assert.ok(testSource.includes('Assert.'), `${name}Test asserts nothing`);
  }
});

test('the Apex tests deliver events and assert on what was published', () => {
  for (const name of ['OutboundNotificationServiceTest', 'SendSmsControllerTest', 'OutboundNotificationInvocableTest']) {
    const source = classSource.get(name);
    assert.ok(source.includes('Test.getEventBus().deliver()'), `${name} never delivers the test event bus`);
    assert.ok(source.includes('OutboundNotificationService.publishedEvents'), `${name} never inspects published events`);
  }
  const service = classSource.get('OutboundNotificationService');
  assert.match(service, /@TestVisible\s+private static List<Outbound_Notification__e> publishedEvents/);
  assert.match(service, /EventBus\.publish\(/);
  assert.match(service, /isSuccess\(\)/);
  assert.match(service, /FeatureManagement\.checkPermission\(CUSTOM_PERMISSION\)/);
  assert.match(service, /CUSTOM_PERMISSION = 'Send_Outbound_Notifications'/);
  assert.match(service, /WITH USER_MODE/);
  assert.match(service, /Crypto\.generateAESKey/);
});

// ---------------------------------------------------------------------------------------------
// LWC JavaScript syntax

// Node cannot parse decorators, so each `@name` or `@name(...)` outside strings and comments is
// blanked (same length, newlines kept, so error positions still match) before `node --check`.
export function blankDecorators(source) {
  const out = source.split('');
  let i = 0;
  const n = source.length;
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'" || c === '`') {
      i++;
      while (i < n && source[i] !== c) i += source[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '@' && /[A-Za-z_$]/.test(next || '')) {
      const start = i;
      i++;
      while (i < n && /[\w$.]/.test(source[i])) i++;
      if (source[i] === '(') {
        let depth = 0;
        do {
          if (source[i] === '(') depth++;
          else if (source[i] === ')') depth--;
          i++;
        } while (i < n && depth > 0);
      }
      blank(start, i);
    } else {
      i++;
    }
  }
  return out.join('');
}

function jsSyntaxError(source) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lwc-check-'));
  try {
    const file = path.join(dir, 'component.mjs');
    fs.writeFileSync(file, blankDecorators(source));
    const run = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    return run.status === 0 ? null : run.stderr.trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const lwcDir = path.join(DEFAULT, 'lwc');
const bundles = fs.readdirSync(lwcDir).filter((name) => fs.statSync(path.join(lwcDir, name)).isDirectory());
const lwcJs = files.filter((f) => f.startsWith(lwcDir) && f.endsWith('.js') && !f.includes('__tests__'));

test('the LWC syntax check reports errors and keeps strings intact (control)', () => {
  assert.ok(jsSyntaxError('export default class X { @api get x( { return 1; } }'));
  assert.ok(jsSyntaxError('import { a } from "b"\nexport const = 3;'));
  assert.equal(jsSyntaxError("export default class X { @api a; @wire(get, { id: '$id' }) w; m() { return '@api'; } }"), null);
  assert.equal(blankDecorators("x = '@api'; // @wire\n@track y"), "x = '@api'; // @wire\n       y");
});

test('every LWC JavaScript file is valid ES module syntax', () => {
  assert.ok(lwcJs.length >= 4, `found ${lwcJs.length} LWC files`);
  for (const file of lwcJs) {
    assert.equal(jsSyntaxError(read(file)), null, `${rel(file)} does not parse`);
  }
});

const kebabToCamel = (name) => name.replace(/-([a-z])/g, (_, ch) => ch.toUpperCase());

test('LWC bundles are complete and their imports and child components exist', () => {
  for (const bundle of bundles) {
    const base = path.join(lwcDir, bundle, bundle);
    assert.ok(fs.existsSync(`${base}.js`), `${bundle}/${bundle}.js is missing`);
    assert.ok(fs.existsSync(`${base}.js-meta.xml`), `${bundle}/${bundle}.js-meta.xml is missing`);
    const js = read(`${base}.js`);
    for (const [, target] of js.matchAll(/from\s+'c\/(\w+)'/g)) {
      assert.ok(bundles.includes(target), `${bundle} imports c/${target}, which does not exist`);
    }
    for (const [, cls, method] of js.matchAll(/'@salesforce\/apex\/(\w+)\.(\w+)'/g)) {
      const source = classSource.get(cls);
      assert.ok(source, `${bundle} imports Apex class ${cls}, which does not exist`);
      assert.match(
        source,
        new RegExp(`@AuraEnabled(\\([^)]*\\))?\\s+public static [\\w.<>, ]+ ${method}\\(`),
        `${cls}.${method} is not an @AuraEnabled static method`,
      );
    }
    if (fs.existsSync(`${base}.html`)) {
      const html = read(`${base}.html`);
      for (const [, tag] of html.matchAll(/<c-([a-z-]+)/g)) {
        assert.ok(bundles.includes(kebabToCamel(tag)), `${bundle}.html uses <c-${tag}>, which does not exist`);
      }
    }
  }
});

test('every {binding} in an LWC template names a member of its class', () => {
  for (const bundle of bundles) {
    const htmlFile = path.join(lwcDir, bundle, `${bundle}.html`);
    if (!fs.existsSync(htmlFile)) continue;
    const html = read(htmlFile);
    const js = read(path.join(lwcDir, bundle, `${bundle}.js`));
    const loopVariables = new Set([...html.matchAll(/for:item="(\w+)"/g)].map((m) => m[1]));
    const bindings = new Set([...html.matchAll(/\{(\w+)(?:\.\w+)*\}/g)].map((m) => m[1]));
    assert.ok(bindings.size > 0, `${bundle}.html binds nothing`);
    for (const name of bindings) {
      if (loopVariables.has(name)) continue;
      const member = new RegExp(`^\\s*(?:@api\\s+)?(?:get\\s+|set\\s+|async\\s+)?${name}\\s*(?:[(=;])`, 'm');
      assert.match(js, member, `${bundle}.html binds {${name}}, which ${bundle}.js does not define`);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// XML

// sax in strict mode catches unbalanced tags, bad names and stray text; entities beyond the five
// XML ones (strictEntities), a second root element, and repeated attributes (which sax drops
// silently, so they are counted in the raw tag text) are checked here too.
function xmlWellFormedError(text) {
  const parser = sax.parser(true, { strictEntities: true });
  let error = null;
  let depth = 0;
  let roots = 0;
  const fail = (message) => {
    error = error || `line ${parser.line + 1}: ${message}`;
  };
  parser.onerror = (e) => {
    fail(e.message.split('\n')[0]);
    parser.error = null;
    parser.resume();
  };
  parser.onopentag = (tag) => {
    if (depth === 0 && ++roots > 1) fail(`second root element <${tag.name}>`);
    depth++;
    const raw = text.slice(parser.startTagPosition - 1, parser.position);
    const names = [...raw.matchAll(/\s([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')/g)].map((m) => m[1]);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated) fail(`attribute ${repeated} repeated on <${tag.name}>`);
  };
  parser.onclosetag = () => {
    depth--;
  };
  parser.write(text).close();
  if (roots === 0) fail('no root element');
  return error;
}

const xmlFiles = files.filter((f) => f.endsWith('.xml'));

test('the XML check reports malformed documents (control)', () => {
  assert.ok(xmlWellFormedError('<a><b></a>'));
  assert.ok(xmlWellFormedError('<a x="1" x="2"/>'));
  assert.ok(xmlWellFormedError('<a>&nbsp;</a>'));
  assert.ok(xmlWellFormedError('<a/><b/>'));
  assert.ok(xmlWellFormedError('<?xml version="1.0"?>'));
  assert.equal(xmlWellFormedError('<?xml version="1.0"?><a b="c" d=\'e\'>&amp;<d x="1" y="x=2"/></a>'), null);
});

test('every XML file under apex/ is well formed', () => {
  assert.ok(xmlFiles.length >= 60, `found ${xmlFiles.length} XML files`);
  for (const file of xmlFiles) {
    assert.equal(xmlWellFormedError(read(file)), null, `${rel(file)} is not well formed`);
    assert.match(read(file), /^<\?xml version="1.0" encoding="UTF-8"\?>\n/, `${rel(file)} lacks the XML declaration`);
  }
});

const parsed = new Map();
async function xml(relativePath) {
  const file = path.join(DEFAULT, relativePath);
  if (!parsed.has(file)) {
    assert.ok(fs.existsSync(file), `${relativePath} is missing`);
    parsed.set(file, await xml2js.parseStringPromise(read(file), { explicitArray: false }));
  }
  return parsed.get(file);
}
const asList = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

// objects/<Object>/fields/<Field>.field-meta.xml -> { type, length, ... }
async function fieldsOf(object) {
  const dir = path.join(DEFAULT, 'objects', object, 'fields');
  const result = {};
  for (const name of fs.readdirSync(dir)) {
    const { CustomField: field } = await xml(`objects/${object}/fields/${name}`);
    assert.equal(`${field.fullName}.field-meta.xml`, name, `fullName of ${object}/${name}`);
    result[field.fullName] = field;
  }
  return result;
}

function assertFields(actual, expected, where) {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `fields of ${where}`);
  for (const [name, [type, length]] of Object.entries(expected)) {
    assert.equal(actual[name].type, type, `${where}.${name} type`);
    if (length !== undefined) assert.equal(Number(actual[name].length), length, `${where}.${name} length`);
  }
}

// ---------------------------------------------------------------------------------------------
// Metadata contract (names shared with sfemu's seed and the connector)

test('Outbound_Notification__e: high volume, publish after commit, the contract fields', async () => {
  const { CustomObject: event } = await xml('objects/Outbound_Notification__e/Outbound_Notification__e.object-meta.xml');
  assert.equal(event.eventType, 'HighVolume');
  assert.equal(event.publishBehavior, 'PublishAfterCommit');
  assert.equal(event.deploymentStatus, 'Deployed');
  assertFields(await fieldsOf('Outbound_Notification__e'), {
    Request_Id__c: ['Text', 64],
    Contact_Point__c: ['Text', 80],
    Record_Ids__c: ['LongTextArea', 131072],
    Campaign_Id__c: ['Text', 18],
    Template__c: ['Text', 80],
    Message__c: ['LongTextArea', 10000],
    Chunk_Index__c: ['Number'],
    Chunk_Count__c: ['Number'],
  }, 'Outbound_Notification__e');
});

test('Lead, Contact and Task carry the SMS fields', async () => {
  for (const object of ['Lead', 'Contact']) {
    const fields = await fieldsOf(object);
    assertFields(fields, {
      SMS_Opt_In__c: ['Checkbox'],
      SMS_Opt_Out__c: ['Checkbox'],
      SMS_Time_Zone__c: ['Text', 40],
    }, object);
    assert.equal(fields.SMS_Opt_In__c.defaultValue, 'false');
  }
  // Task custom fields are declared on Activity.
  assertFields(await fieldsOf('Activity'), {
    SMS_Message_Sid__c: ['Text', 34],
    SMS_Delivery_Status__c: ['Text', 40],
    SMS_Notification_Id__c: ['Text', 64],
    SMS_Segments__c: ['Number'],
  }, 'Activity (Task)');
});

const CMDT_FIELDS = {
  SMS_Contact_Point__mdt: [
    'Sender__c', 'Roles__c', 'Max_Messages_Per_Second__c', 'Quiet_Hours__c', 'Default_Time_Zone__c',
    'Price_Per_Segment__c', 'Segment_Budget__c',
  ],
  SMS_Field_Mapping__mdt: [
    'Object__c', 'Phone_Fields__c', 'Opt_In_Field__c', 'Opt_In_Value__c', 'Opt_Out_Field__c',
    'Time_Zone_Field__c', 'Task_Subject__c', 'Task_Status__c', 'Task_Priority__c', 'Task_Type__c',
    'Task_Owner__c', 'Task_Description__c', 'Reply_Task_Subject__c',
  ],
  SMS_Template__mdt: ['Object__c', 'Body__c'],
  SMS_Notification_Setting__mdt: ['Max_Recipients__c', 'Max_Ids_Per_Event__c'],
};

test('custom metadata types declare the contract fields', async () => {
  for (const [type, expected] of Object.entries(CMDT_FIELDS)) {
    const { CustomObject: object } = await xml(`objects/${type}/${type}.object-meta.xml`);
    assert.ok(object.label, `${type} label`);
    assert.deepEqual(Object.keys(await fieldsOf(type)).sort(), [...expected].sort(), `${type} fields`);
  }
  const contactPoint = await fieldsOf('SMS_Contact_Point__mdt');
  assert.equal(contactPoint.Max_Messages_Per_Second__c.type, 'Number');
  assert.equal(contactPoint.Segment_Budget__c.type, 'Number');
});

async function cmdtRecords(type) {
  const prefix = type.replace(/__mdt$/, '') + '.';
  const dir = path.join(DEFAULT, 'customMetadata');
  const records = {};
  for (const name of fs.readdirSync(dir).filter((n) => n.startsWith(prefix))) {
    const { CustomMetadata: record } = await xml(`customMetadata/${name}`);
    const values = {};
    for (const v of asList(record.values)) {
      values[v.field] = typeof v.value === 'object' ? (v.value._ ?? null) : v.value;
    }
    records[name.slice(prefix.length, -'.md-meta.xml'.length)] = { label: record.label, values };
  }
  return records;
}

const permissionSetNames = () =>
  fs.readdirSync(path.join(DEFAULT, 'permissionsets')).map((n) => n.replace('.permissionset-meta.xml', ''));

test('custom metadata records match the demo and only use declared fields', async () => {
  for (const type of Object.keys(CMDT_FIELDS)) {
    for (const [name, record] of Object.entries(await cmdtRecords(type))) {
      for (const field of Object.keys(record.values)) {
        assert.ok(CMDT_FIELDS[type].includes(field), `${type} record ${name} sets undeclared ${field}`);
      }
    }
  }
  const contactPoints = await cmdtRecords('SMS_Contact_Point__mdt');
  assert.deepEqual(Object.keys(contactPoints).sort(), ['Alerts', 'Main']);
  for (const [name, { values }] of Object.entries(contactPoints)) {
    assert.match(values.Sender__c, /^\+[1-9]\d{7,14}$/, `${name} sender`);
    assert.match(values.Quiet_Hours__c, /^(federal|none|\d{2}-\d{2})$/, `${name} quiet hours`);
    for (const role of values.Roles__c.split(',').map((r) => r.trim())) {
      assert.ok(role === 'Everyone' || permissionSetNames().includes(role), `${name} role ${role} is no permission set`);
    }
    // The Admin set is documented as "everything a sender has", so whoever may use a Sender contact point as admin too.
    const roles = values.Roles__c.split(',').map((r) => r.trim());
    if (roles.includes('SMS_Notification_Sender')) assert.ok(roles.includes('SMS_Notification_Admin'), `${name} lists the Sender set but not the Admin set`);
  }

  const mappings = await cmdtRecords('SMS_Field_Mapping__mdt');
  assert.deepEqual(Object.keys(mappings).sort(), ['Contact_Mapping', 'Lead_Mapping']);
  for (const [name, { values }] of Object.entries(mappings)) {
    const object = values.Object__c;
    assert.equal(name, `${object}_Mapping`);
    const custom = await fieldsOf(object);
    const known = (f) => f in custom || ['MobilePhone', 'Phone', 'HomePhone', 'OtherPhone'].includes(f);
    for (const phone of values.Phone_Fields__c.split(',')) assert.ok(known(phone.trim()), `${object} phone field ${phone}`);
    for (const key of ['Opt_In_Field__c', 'Opt_Out_Field__c', 'Time_Zone_Field__c']) {
      assert.ok(values[key] in custom, `${object} ${key} = ${values[key]} is not a declared field`);
    }
    assert.ok(['requester', 'record_owner'].includes(values.Task_Owner__c));
    assert.equal(values.Task_Status__c, 'Completed');
  }

  const templates = await cmdtRecords('SMS_Template__mdt');
  assert.ok(Object.keys(templates).length >= 2, 'two templates');
  for (const [name, { values }] of Object.entries(templates)) {
    assert.ok(values.Body__c && values.Body__c.length <= 1600, `${name} body`);
    // Merge fields are Salesforce style {!Namespace.Field}; the namespace matches the template's object.
    for (const [, namespace] of values.Body__c.matchAll(/\{!\s*(\w+)\./g)) {
      const allowed = ['Recipient', 'Sender', 'Notification', 'Message'].concat(values.Object__c ? [values.Object__c] : []);
      assert.ok(allowed.includes(namespace), `${name} uses {!${namespace}.…}`);
    }
  }
  const { values: settings } = (await cmdtRecords('SMS_Notification_Setting__mdt')).Default;
  assert.ok(Number(settings.Max_Ids_Per_Event__c) * 19 - 1 <= 131072, 'ids per event fit Record_Ids__c');
});

test('permission sets grant the custom permission, the SMS fields and the Apex', async () => {
  const { CustomPermission: permission } = await xml('customPermissions/Send_Outbound_Notifications.customPermission-meta.xml');
  assert.ok(permission.label);
  assert.deepEqual(permissionSetNames().sort(), ['SMS_Notification_Admin', 'SMS_Notification_Integration', 'SMS_Notification_Sender']);

  const smsFields = [
    ...['Lead', 'Contact'].flatMap((o) => ['SMS_Opt_In__c', 'SMS_Opt_Out__c', 'SMS_Time_Zone__c'].map((f) => `${o}.${f}`)),
    ...['SMS_Message_Sid__c', 'SMS_Delivery_Status__c', 'SMS_Notification_Id__c', 'SMS_Segments__c'].map((f) => `Task.${f}`),
  ];
  for (const name of permissionSetNames()) {
    const { PermissionSet: set } = await xml(`permissionsets/${name}.permissionset-meta.xml`);
    const fields = Object.fromEntries(asList(set.fieldPermissions).map((p) => [p.field, p]));
    for (const field of smsFields) {
      assert.equal(fields[field]?.readable, 'true', `${name} reads ${field}`);
    }
    const types = asList(set.customMetadataTypeAccesses).filter((a) => a.enabled === 'true').map((a) => a.name);
    for (const type of Object.keys(CMDT_FIELDS)) assert.ok(types.includes(type), `${name} reads ${type}`);
    const grantsPermission = asList(set.customPermissions).some(
      (p) => p.name === 'Send_Outbound_Notifications' && p.enabled === 'true',
    );
    assert.equal(grantsPermission, name !== 'SMS_Notification_Integration', `${name} custom permission`);
    if (grantsPermission) {
      const classes = asList(set.classAccesses).filter((c) => c.enabled === 'true').map((c) => c.apexClass);
      for (const cls of ['OutboundNotificationService', 'SendSmsController', 'OutboundNotificationInvocable']) {
        assert.ok(classes.includes(cls), `${name} grants ${cls}`);
      }
    }
  }
  const sender = (await xml('permissionsets/SMS_Notification_Sender.permissionset-meta.xml')).PermissionSet;
  const optOut = asList(sender.fieldPermissions).find((p) => p.field === 'Lead.SMS_Opt_Out__c');
  assert.equal(optOut.editable, 'false', 'senders cannot clear an opt-out');
  const integration = (await xml('permissionsets/SMS_Notification_Integration.permissionset-meta.xml')).PermissionSet;
  // PermissionSetObjectPermissions names the object in <object> (metadata_deploy checks every element).
  const event = asList(integration.objectPermissions).find((p) => p.object === 'Outbound_Notification__e');
  assert.equal(event.allowRead, 'true', 'the integration user subscribes to the event');
  assert.equal(event.allowCreate, 'false', 'the connector only subscribes');
  for (const object of ['Lead', 'Contact']) {
    const grant = asList(integration.objectPermissions).find((p) => p.object === object);
    assert.deepEqual([grant.allowEdit, grant.viewAllRecords, grant.modifyAllRecords], ['true', 'true', 'true'], `integration edits every ${object}`);
  }
  const integrationFields = Object.fromEntries(asList(integration.fieldPermissions).map((p) => [p.field, p]));
  for (const field of ['Lead.MobilePhone', 'Lead.Phone', 'Lead.Email', 'Contact.MobilePhone', 'Contact.Phone', 'Contact.Email']) {
    assert.equal(integrationFields[field]?.readable, 'true', `integration reads ${field}`);
  }
  for (const field of ['Task.Description', 'Task.Subject', 'Task.WhoId']) {
    assert.equal(integrationFields[field]?.editable, 'true', `integration writes ${field}`);
  }
  // Nobody but Apex publishes: no set grants Create on the event, so a user with API access cannot
  // skip the visibility, Max_Recipients__c and template checks of OutboundNotificationService.
  for (const name of permissionSetNames()) {
    const { PermissionSet: set } = await xml(`permissionsets/${name}.permissionset-meta.xml`);
    const grant = asList(set.objectPermissions).find((p) => p.object === 'Outbound_Notification__e');
    assert.notEqual(grant?.allowCreate, 'true', `${name} must not grant Create on Outbound_Notification__e`);
  }
  assert.equal(asList(integration.fieldPermissions).find((p) => p.field === 'Task.SMS_Message_Sid__c').editable, 'true');
});

// Standard fields the connector reads or writes that carry field-level security. Universally required
// fields (Lead.LastName, Lead.Company, Task.Status, Task.Priority, OwnerId) have none: a permission set
// naming one fails to deploy ("You cannot deploy to a required field").
const STANDARD_FIELDS = {
  Lead: ['Email', 'MobilePhone', 'Phone'],
  Contact: ['Email', 'HomePhone', 'MobilePhone', 'OtherPhone', 'Phone'],
  Task: ['ActivityDate', 'Description', 'Subject', 'Type', 'WhatId', 'WhoId'],
};

test('every permission set field grant names a declared field or a standard field with field-level security', async () => {
  for (const name of permissionSetNames()) {
    const { PermissionSet: set } = await xml(`permissionsets/${name}.permissionset-meta.xml`);
    for (const { field } of asList(set.fieldPermissions)) {
      const [object, api] = field.split('.');
      if (!api.endsWith('__c')) {
        assert.ok(STANDARD_FIELDS[object]?.includes(api), `${name}: ${field} is no standard field with field-level security`);
        continue;
      }
      const declaredOn = object === 'Task' ? 'Activity' : object;
      assert.ok(fs.existsSync(path.join(DEFAULT, 'objects', declaredOn, 'fields', `${api}.field-meta.xml`)), `${name}: ${field}`);
    }
  }
});

test('Apex only names custom fields and objects the project declares', () => {
  const objects = new Set(fs.readdirSync(path.join(DEFAULT, 'objects')));
  const fields = new Set(
    [...objects].flatMap((o) => {
      const dir = path.join(DEFAULT, 'objects', o, 'fields');
      return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => f.replace('.field-meta.xml', '')) : [];
    }),
  );
  for (const [name, source] of classSource) {
    for (const [token] of source.matchAll(/\b\w+__(?:c|e|mdt)\b/g)) {
      const known = token.endsWith('__c') ? fields.has(token) : objects.has(token);
      assert.ok(known, `${name}.cls names ${token}, which apex/ does not declare`);
    }
  }
});

test('the quick actions open the sendSmsAction LWC on Lead and Contact', async () => {
  const meta = (await xml('lwc/sendSmsAction/sendSmsAction.js-meta.xml')).LightningComponentBundle;
  assert.equal(meta.isExposed, 'true');
  assert.deepEqual(asList(meta.targets.target), ['lightning__RecordAction']);
  assert.equal(meta.targetConfigs.targetConfig.actionType, 'ScreenAction');
  for (const object of ['Lead', 'Contact']) {
    const { QuickAction: action } = await xml(`quickActions/${object}.Send_SMS.quickAction-meta.xml`);
    assert.equal(action.type, 'LightningWebComponent');
    assert.equal(action.actionSubtype, 'ScreenAction');
    assert.equal(action.lightningWebComponent, 'sendSmsAction');
    assert.equal(action.label, 'Send SMS');
  }
});

test('the list-view buttons run a screen flow that passes ids to the invocable action', async () => {
  for (const object of ['Lead', 'Contact']) {
    const { WebLink: link } = await xml(`objects/${object}/webLinks/Send_SMS_To_Selected.webLink-meta.xml`);
    assert.equal(link.displayType, 'massActionButton');
    assert.equal(link.requireRowSelection, 'true');
    assert.match(link.url, /^\/flow\/Send_SMS_To_Selected\?retURL=/);
  }
  const { Flow: flow } = await xml('flows/Send_SMS_To_Selected.flow-meta.xml');
  assert.equal(flow.processType, 'Flow');
  assert.equal(flow.status, 'Active');
  // Salesforce hands a list view's selection to a text collection input variable named exactly `ids`.
  const ids = asList(flow.variables).find((v) => v.name === 'ids');
  assert.deepEqual([ids.dataType, ids.isCollection, ids.isInput], ['String', 'true', 'true']);

  const action = asList(flow.actionCalls).find((a) => a.actionType === 'apex');
  assert.equal(action.actionName, 'OutboundNotificationInvocable');
  const invocable = classSource.get('OutboundNotificationInvocable');
  const inputClass = invocable.slice(invocable.indexOf('class Input'), invocable.indexOf('class Output'));
  const outputClass = invocable.slice(invocable.indexOf('class Output'));
  for (const { name } of asList(action.inputParameters)) {
    assert.match(inputClass, new RegExp(`@InvocableVariable[^\\n]*\\n\\s*public [\\w<>]+ ${name};`), `invocable input ${name}`);
  }
  for (const { name } of asList(action.outputParameters)) {
    assert.match(outputClass, new RegExp(`public \\w+ ${name};`), `invocable output ${name}`);
  }

  const screens = asList(flow.screens);
  const component = screens.flatMap((s) => asList(s.fields)).find((f) => f.fieldType === 'ComponentInstance');
  assert.equal(component.extensionName, 'c:sendSmsFlowScreen');
  const bundle = (await xml('lwc/sendSmsFlowScreen/sendSmsFlowScreen.js-meta.xml')).LightningComponentBundle;
  assert.deepEqual(asList(bundle.targets.target), ['lightning__FlowScreen']);
  const properties = asList(bundle.targetConfigs.targetConfig.property).map((p) => p.$.name);
  for (const p of [...asList(component.inputParameters), ...asList(component.outputParameters)]) {
    assert.ok(properties.includes(p.name), `flow screen property ${p.name}`);
  }
  // Every connector targets an element that exists.
  const names = new Set(
    ['actionCalls', 'decisions', 'screens'].flatMap((kind) => asList(flow[kind]).map((e) => e.name)),
  );
  const targets = JSON.stringify(flow).matchAll(/"targetReference":"(\w+)"/g);
  for (const [, target] of targets) assert.ok(names.has(target), `flow connector to ${target}`);
  const variables = new Set(asList(flow.variables).map((v) => v.name));
  for (const [, ref] of JSON.stringify(flow).matchAll(/"(?:elementReference|assignToReference|leftValueReference)":"(\w+)"/g)) {
    assert.ok(variables.has(ref), `flow reference ${ref} is not a variable`);
  }
});

// ---------------------------------------------------------------------------------------------
// Apex rules from issue 18

// SMS_Template__mdt.getAll()/getInstance() return long text fields cut to 255 characters (Apex
// Reference, "Custom Metadata Type Methods"); types with a LongTextArea field are read with SOQL.
async function longTextTypes() {
  const types = [];
  for (const type of Object.keys(CMDT_FIELDS)) {
    const fields = await fieldsOf(type);
    if (Object.values(fields).some((f) => f.type === 'LongTextArea')) types.push(type);
  }
  return types;
}
const truncatingCalls = (source, types) =>
  types.flatMap((type) => [...source.matchAll(new RegExp(`\\b${type}\\s*\\.\\s*(getAll|getInstance)\\s*\\(`, 'gi'))].map((m) => `${type}.${m[1]}`));

test('custom metadata with long text is read with SOQL, never getAll()/getInstance()', async () => {
  const types = await longTextTypes();
  assert.ok(types.includes('SMS_Template__mdt'), `long text types: ${types}`);
  assert.deepEqual(truncatingCalls('return SMS_Template__mdt.getAll().values();', types), ['SMS_Template__mdt.getAll']);
  for (const [name, source] of classSource) assert.deepEqual(truncatingCalls(source, types), [], `${name}.cls`);
  assert.match(classSource.get('OutboundNotificationService'), /SELECT DeveloperName, MasterLabel, Object__c, Body__c FROM SMS_Template__mdt/);
});

// Profile names are translated ("Standardbenutzer"); look profiles up by licence and permissions.
const profileByName = (source) => /FROM\s+Profile\s+WHERE[^\]]*\bName\s*(=|IN|LIKE)/i.test(source);
test('no Apex looks a profile up by its name', () => {
  assert.ok(profileByName("[SELECT Id FROM Profile WHERE Name = 'Standard User' LIMIT 1]"));
  assert.ok(!profileByName("[SELECT Id FROM Profile WHERE UserLicense.LicenseDefinitionKey = 'SFDC']"));
  for (const [name, source] of classSource) assert.ok(!profileByName(source), `${name}.cls selects a Profile by Name`);
});

// Every USER_MODE query sits in a try block (it throws for objects the user cannot read), and the
// invocable action catches whatever the service throws: it promises outputs, never a Flow fault.
function userModeQueriesOutsideTry(source) {
  const { parser } = ApexParserFactory.createLexerAndParser(source, new CollectingListener());
  const outside = [];
  const visit = (node) => {
    if (node.constructor.name === 'SoqlLiteralContext' && /WITHUSER_MODE/i.test(node.getText())) {
      let p = node.parentCtx;
      while (p && p.constructor.name !== 'TryStatementContext') p = p.parentCtx;
      if (!p) outside.push(node.getText().slice(0, 60));
    }
    for (const c of node.children || []) visit(c);
  };
  visit(parser.compilationUnit());
  return outside;
}
test('USER_MODE queries cannot throw past the service, and the invocable never throws', () => {
  assert.equal(userModeQueriesOutsideTry('class A { void f() { List<Lead> l = [SELECT Id FROM Lead WITH USER_MODE]; } }').length, 1);
  assert.equal(userModeQueriesOutsideTry('class A { void f() { try { List<Lead> l = [SELECT Id FROM Lead WITH USER_MODE]; } catch (Exception e) {} } }').length, 0);
  assert.deepEqual(userModeQueriesOutsideTry(classSource.get('OutboundNotificationService')), []);
  assert.match(classSource.get('OutboundNotificationInvocable'), /try \{\s*results = OutboundNotificationService\.send\(requests\);\s*\} catch \(Exception e\) \{/);
});

test('the composer, the segment counter and the service agree on the longest message', () => {
  const service = Number(classSource.get('OutboundNotificationService').match(/Integer MESSAGE_LENGTH = (\d+);/)[1]);
  const counter = Number(read(path.join(lwcDir, 'smsSegments/smsSegments.js')).match(/MAX_MESSAGE_LENGTH = (\d+);/)[1]);
  assert.equal(service, 1600, 'what the connector sends at most');
  assert.equal(counter, service);
  assert.match(read(path.join(lwcDir, 'smsComposer/smsComposer.html')), /max-length=\{maxLength\}/);
  assert.match(classSource.get('SendSmsController'), /maxMessageLength = OutboundNotificationService\.MESSAGE_LENGTH/);
});

test('lead conversion carries SMS consent to the Contact', () => {
  const trigger = read(path.join(DEFAULT, 'triggers/SmsLeadConversionTrigger.trigger'));
  assert.match(trigger, /trigger SmsLeadConversionTrigger on Lead\s*\(after update\)/);
  assert.match(trigger, /SmsLeadConversion\.copyConsent\(Trigger\.new, Trigger\.oldMap\)/);
  const handler = classSource.get('SmsLeadConversion');
  for (const field of ['SMS_Opt_In__c', 'SMS_Opt_Out__c', 'SMS_Time_Zone__c']) assert.ok(handler.includes(field), field);
  assert.match(handler, /lead\.IsConverted && !old\.IsConverted/);
  assert.match(classSource.get('SmsLeadConversionTest'), /Database\.convertLead/);
});

test('layouts place the SMS fields on Lead, Contact and Task', async () => {
  const expected = {
    'Lead-SMS Lead Layout': ['SMS_Opt_In__c', 'SMS_Opt_Out__c', 'SMS_Time_Zone__c'],
    'Contact-SMS Contact Layout': ['SMS_Opt_In__c', 'SMS_Opt_Out__c', 'SMS_Time_Zone__c'],
    'Task-SMS Task Layout': ['SMS_Message_Sid__c', 'SMS_Delivery_Status__c', 'SMS_Notification_Id__c', 'SMS_Segments__c'],
  };
  for (const [name, fields] of Object.entries(expected)) {
    const { Layout: layout } = await xml(`layouts/${name}.layout-meta.xml`);
    const items = asList(layout.layoutSections).flatMap((s) => asList(s.layoutColumns)).flatMap((c) => asList(c.layoutItems));
    const placed = Object.fromEntries(items.map((i) => [i.field, i.behavior]));
    for (const field of fields) assert.ok(placed[field], `${name} places ${field}`);
    if (placed.SMS_Opt_Out__c) assert.equal(placed.SMS_Opt_Out__c, 'Readonly', `${name}: only the connector and admins change an opt-out`);
  }
});
