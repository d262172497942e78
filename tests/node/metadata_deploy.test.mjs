// What a deploy of apex/ would meet first, checked with Salesforce's own tooling: the SFDX source is
// converted to a Metadata API package by @salesforce/source-deploy-retrieve (the library behind
// `sf project deploy`), and every XML file of that package is validated against the Metadata API
// types Salesforce publishes in @salesforce/types (generated from the Metadata WSDL): element
// names, required elements, single elements, booleans, numbers and enumeration values. On top,
// deploy rules the WSDL cannot express (object permission dependencies, field length limits).
// tests/node/fixtures/metadata-defects plants one of each defect; the checker must report them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ComponentSet, MetadataConverter } from '@salesforce/source-deploy-retrieve';
import { loadSchema, parseXmlTree, validateDocument } from './metadata_schema.mjs';
import { SOURCE_DIR } from './lib.mjs';

const PROJECT = path.join(SOURCE_DIR, 'apex');
const FIXTURE = path.join(SOURCE_DIR, 'tests/node/fixtures/metadata-defects');
const schema = loadSchema();

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}

// Converts an SFDX project (its default package directory) the way `sf project deploy` does and
// returns { dir, components, files } of the metadata-format package.
async function convert(project) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-mdapi-'));
  const { packageDirectories, sourceApiVersion } = JSON.parse(fs.readFileSync(path.join(project, 'sfdx-project.json'), 'utf8'));
  const set = ComponentSet.fromSource(path.join(project, packageDirectories.find((d) => d.default).path));
  set.sourceApiVersion = sourceApiVersion; // as `sf project deploy` does from sfdx-project.json
  const result = await new MetadataConverter().convert(set, 'metadata', {
    type: 'directory',
    outputDirectory: out,
    genUniqueDir: false,
  });
  const components = set.getSourceComponents().toArray().map((c) => `${c.type.name}:${c.fullName}`);
  return { dir: result.packagePath, components, files: walk(result.packagePath), cleanup: () => fs.rmSync(out, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------
// Deploy rules beyond the WSDL, each from Salesforce's documentation:
// - object permissions depend on each other (Help: "Object Permissions"): Create, Edit, Delete and
//   View All need Read; Delete needs Edit; Modify All needs Read, Edit, Delete and View All; and any
//   Contact permission needs Read on Account ("Permission Read Contacts depends on Read Accounts").
// - field permissions: Edit needs Read.
// - PermissionSet.Label is at most 80 characters, Description at most 255 (object reference).
const text = (node, name) => node.children.find((c) => c.name === name)?.text.trim();
const on = (node, name) => text(node, name) === 'true';

export function deployRuleProblems(xml) {
  const root = parseXmlTree(xml);
  const problems = [];
  if (root.name !== 'PermissionSet') return problems;
  if ((text(root, 'label') || '').length > 80) problems.push('label is longer than 80 characters');
  if ((text(root, 'description') || '').length > 255) problems.push('description is longer than 255 characters');
  const objects = root.children.filter((c) => c.name === 'objectPermissions');
  const readable = new Set(objects.filter((o) => on(o, 'allowRead')).map((o) => text(o, 'object')));
  for (const grant of objects) {
    const object = text(grant, 'object') || text(grant, 'objectName');
    const needs = (flag, ...required) => {
      if (!on(grant, flag)) return;
      for (const r of required) if (!on(grant, r)) problems.push(`${object}: ${flag} needs ${r}`);
    };
    needs('allowCreate', 'allowRead');
    needs('allowEdit', 'allowRead');
    needs('allowDelete', 'allowRead', 'allowEdit');
    needs('viewAllRecords', 'allowRead');
    needs('modifyAllRecords', 'allowRead', 'allowEdit', 'allowDelete', 'viewAllRecords');
    if (object === 'Contact' && !readable.has('Account')) problems.push('Contact: permissions on Contact need Read on Account');
  }
  for (const grant of root.children.filter((c) => c.name === 'fieldPermissions')) {
    if (on(grant, 'editable') && !on(grant, 'readable')) problems.push(`${text(grant, 'field')}: editable needs readable`);
  }
  return problems;
}

function allProblems(pkg) {
  const problems = {};
  for (const file of pkg.files) {
    const content = fs.readFileSync(file, 'utf8');
    if (!content.startsWith('<?xml')) continue;
    const found = [...validateDocument(schema, content), ...deployRuleProblems(content)];
    if (found.length) problems[path.relative(pkg.dir, file)] = found;
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

test('the published Metadata API types load (control)', () => {
  assert.ok(schema.complex.size > 1000, `${schema.complex.size} complex types`);
  assert.deepEqual(
    [...schema.complex.get('PermissionSetObjectPermissions').fields.keys()].sort(),
    ['allowCreate', 'allowDelete', 'allowEdit', 'allowRead', 'modifyAllRecords', 'object', 'viewAllFields', 'viewAllRecords'],
  );
  assert.ok(schema.enums.get('FieldType').has('LongTextArea'));
  const ok = '<?xml version="1.0" encoding="UTF-8"?><CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>A__c</fullName><label>A</label><type>Checkbox</type><defaultValue>false</defaultValue></CustomField>';
  assert.deepEqual(validateDocument(schema, ok), []);
  assert.deepEqual(validateDocument(schema, ok.replace('Checkbox', 'Checkbx')), [
    'CustomField.type: "Checkbx" is not a FieldType (AutoNumber, Lookup, MasterDetail, Checkbox, Currency, Date, DateTime, Email, ...)',
  ]);
  assert.match(validateDocument(schema, ok.replace('<label>A</label>', '<label>A</label><label>B</label>'))[0], /<label> appears 2 times/);
  assert.match(validateDocument(schema, ok.replace('xmlns="http://soap.sforce.com/2006/04/metadata"', ''))[0], /xmlns must be/);
  assert.match(validateDocument(schema, '<Nope xmlns="http://soap.sforce.com/2006/04/metadata"/>')[0], /not a Metadata API type/);
});

test('the checker reports every planted defect of fixtures/metadata-defects', async () => {
  const pkg = await convert(FIXTURE);
  try {
    const problems = allProblems(pkg);
    assert.deepEqual(Object.keys(problems).sort(), [
      'layouts/Lead-Broken Layout.layout',
      'objects/Lead.object',
      'permissionsets/Broken_Grants.permissionset',
      'permissionsets/Old_Sender.permissionset',
    ]);
    assert.deepEqual(problems['permissionsets/Old_Sender.permissionset'], [
      'PermissionSet.objectPermissions: <objectName> is not an element of PermissionSetObjectPermissions',
      'PermissionSet.objectPermissions: PermissionSetObjectPermissions requires <object>',
      'Outbound_Notification__e: allowCreate needs allowRead',
    ]);
    assert.deepEqual(problems['permissionsets/Broken_Grants.permissionset'], [
      'description is longer than 255 characters',
      'Contact: modifyAllRecords needs allowDelete',
      'Contact: permissions on Contact need Read on Account',
      'Lead.MobilePhone: editable needs readable',
    ]);
    assert.deepEqual(problems['objects/Lead.object'], [
      'CustomObject.fields.required: "yes" is not a boolean',
      'CustomObject.fields.type: "Txt" is not a FieldType (AutoNumber, Lookup, MasterDetail, Checkbox, Currency, Date, DateTime, Email, ...)',
    ]);
    assert.deepEqual(problems['layouts/Lead-Broken Layout.layout'], ['Layout.layoutSections: LayoutSection requires <style>']);
  } finally {
    pkg.cleanup();
  }
});

test('apex/ converts with source-deploy-retrieve and every generated XML matches the Metadata API types', async () => {
  const pkg = await convert(PROJECT);
  try {
    for (const kind of ['ApexClass', 'ApexTrigger', 'CustomObject', 'CustomField', 'PermissionSet', 'Flow', 'Layout', 'LightningComponentBundle', 'CustomMetadata', 'QuickAction', 'WebLink', 'CustomPermission']) {
      assert.ok(pkg.components.some((c) => c.startsWith(`${kind}:`)), `no ${kind} in the package`);
    }
    const xmlFiles = pkg.files.filter((f) => fs.readFileSync(f, 'utf8').startsWith('<?xml'));
    assert.ok(xmlFiles.length >= 40, `${xmlFiles.length} XML files`);
    assert.deepEqual(allProblems(pkg), {});

    // Jest tests stay out of the package (.forceignore), and package.xml has the project's version.
    assert.deepEqual(pkg.files.filter((f) => f.includes('__tests__')), []);
    const { sourceApiVersion } = JSON.parse(fs.readFileSync(path.join(PROJECT, 'sfdx-project.json'), 'utf8'));
    const manifest = parseXmlTree(fs.readFileSync(path.join(pkg.dir, 'package.xml'), 'utf8'));
    assert.equal(text(manifest, 'version'), sourceApiVersion);
  } finally {
    pkg.cleanup();
  }
});
