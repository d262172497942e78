/** Carries SMS consent from converted Leads to their Contacts; see SmsLeadConversion. */
trigger SmsLeadConversionTrigger on Lead(after update) {
    SmsLeadConversion.copyConsent(Trigger.new, Trigger.oldMap);
}
