/** Carries SMS consent from converted Leads to their Contacts; see SmsLeadConversion. */
trigger SmsLeadConversion on Lead(after update) {
    SmsLeadConversion.copyConsent(Trigger.new, Trigger.oldMap);
}
