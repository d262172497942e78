// Apex test classes checked for what fails only in an org: setup-object DML mixed with other DML
// outside System.runAs (MIXED_DML_OPERATION) and Limits reads across Test.startTest()/stopTest().
// See apex_test_rules.mjs; fixtures/apex-test-defects holds the pre-issue-18 tests and planted
// defects that the checker must report, method by method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testClassProblems, elementType } from './apex_test_rules.mjs';
import { SOURCE_DIR } from './lib.mjs';

function sourcesIn(dir) {
  return new Map(
    fs.readdirSync(dir)
      .filter((f) => f.endsWith('.cls'))
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
}
const methodOf = (problem) => problem.split(':')[0];

test('operand types are reduced to their sObject (control)', () => {
  assert.equal(elementType('List<PermissionSetAssignment>'), 'permissionsetassignment');
  assert.equal(elementType('Map<Id, Lead>'), 'lead');
  assert.equal(elementType('Schema.Account[]'), 'account');
});

test('the checker reports the planted defects of fixtures/apex-test-defects and nothing else', () => {
  const problems = testClassProblems(sourcesIn(path.join(SOURCE_DIR, 'tests/node/fixtures/apex-test-defects')));
  assert.deepEqual(problems.map(methodOf), [
    // The five methods that failed in an org before issue 18 ...
    'OldOutboundNotificationInvocableTest.sendsEachInterviewAndPublishesOnce',
    'OldOutboundNotificationInvocableTest.sendsToACampaignFromFlow',
    // ... and two the checker flags on the safe side (see the fixture README).
    'OldOutboundNotificationInvocableTest.usersWithoutThePermissionGetAClearError',
    'OldOutboundNotificationServiceTest.refusesUsersWithoutTheCustomPermission',
    'OldOutboundNotificationServiceTest.sendsToACampaignAsSender',
    'OldOutboundNotificationServiceTest.validatesTheAudience',
    'OldSendSmsControllerTest.eligibilityRejectsOtherObjectsAndMissingRecords',
    'PlantedDefectsTest.groupMemberThroughDatabaseAfterLeads',
    'PlantedDefectsTest.limitsAcrossStopTest',
    'PlantedDefectsTest.mixedInsideRunAs (inside System.runAs)',
    'PlantedDefectsTest.untypedOperand',
    'PlantedDefectsTest.userThenAccountInOneContext',
  ]);
  const byMethod = Object.fromEntries(problems.map((p) => [methodOf(p), p]));
  assert.match(
    byMethod['OldOutboundNotificationServiceTest.sendsToACampaignAsSender'],
    /setup DML \(user via OldSmsTestFactory.createUser via OldSmsTestFactory.createSender, permissionsetassignment via .*\) and non-setup DML \(campaign, campaignmember, lead via OldSmsTestFactory.createLeads\)/,
  );
  assert.match(byMethod['OldOutboundNotificationInvocableTest.sendsEachInterviewAndPublishesOnce'], /Limits\.getDmlStatements\(\)-dmlBefore/);
  assert.match(byMethod['PlantedDefectsTest.groupMemberThroughDatabaseAfterLeads'], /setup DML \(group, groupmember\) and non-setup DML \(lead\)/);
});

test('the Apex test classes of apex/ mix no setup and non-setup DML and read no Limits across stopTest', () => {
  const sources = sourcesIn(path.join(SOURCE_DIR, 'apex/force-app/main/default/classes'));
  assert.ok(sources.size >= 9, `${sources.size} classes`);
  assert.deepEqual(testClassProblems(sources), []);
});
