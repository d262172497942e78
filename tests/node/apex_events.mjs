// The Platform Event encoding of apex/ OutboundNotificationService.buildEvents, step for step,
// shared by the tests that publish what the Apex service would publish
// (apex_publish.test.mjs checks the Apex source still matches it).
import { randomUUID } from 'node:crypto';

// Mirrors OutboundNotificationService.buildEvents. Null fields are left out, as Apex leaves them unset.
export function buildOutboundEvents({ contactPoint, recordIds = [], campaignId, templateName, message }, perEvent) {
  const base = randomUUID();
  const chunks = [];
  for (let i = 0; i < recordIds.length; i += perEvent) chunks.push(recordIds.slice(i, i + perEvent));
  if (chunks.length === 0) chunks.push([]);
  return {
    base,
    events: chunks.map((ids, i) => {
      const event = {
        Request_Id__c: base,
        Contact_Point__c: contactPoint,
      };
      if (chunks.length > 1) {
        event.Chunk_Index__c = i + 1;
        event.Chunk_Count__c = chunks.length;
      }
      if (ids.length > 0) event.Record_Ids__c = ids.join(',');
      if (campaignId) event.Campaign_Id__c = campaignId;
      if (templateName) event.Template__c = templateName;
      else event.Message__c = message;
      return event;
    }),
  };
}

