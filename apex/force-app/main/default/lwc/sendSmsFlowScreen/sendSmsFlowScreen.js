import { LightningElement, api } from 'lwc';
import { FlowAttributeChangeEvent } from 'lightning/flowSupport';

const PREFIX_TO_OBJECT = { '00Q': 'Lead', '003': 'Contact' };

// Flow screen of the "Send SMS" list-view button (flow Send_SMS_To_Selected):
// shows the composer for the selected records and hands the choices back to
// the flow, which calls the OutboundNotificationInvocable action.
export default class SendSmsFlowScreen extends LightningElement {
    @api recordIds = [];
    @api contactPoint;
    @api templateName;
    @api message;

    get recipientCount() {
        return (this.recordIds || []).length;
    }

    // Templates are offered for the object of the selection (all Lead or all Contact ids in a list view).
    get objectApiName() {
        const first = (this.recordIds || [])[0];
        return first ? PREFIX_TO_OBJECT[first.substring(0, 3)] || '' : '';
    }

    get selectionText() {
        const count = this.recipientCount;
        return count === 1 ? '1 record selected.' : `${count} records selected.`;
    }

    handleCompose(event) {
        const { contactPoint, templateName, message } = event.detail;
        this.dispatchEvent(new FlowAttributeChangeEvent('contactPoint', contactPoint));
        this.dispatchEvent(new FlowAttributeChangeEvent('templateName', templateName));
        this.dispatchEvent(new FlowAttributeChangeEvent('message', message));
    }

    /** Called by the flow runtime before Next: blocks until the composer is complete. */
    @api
    validate() {
        if (this.recipientCount === 0) {
            return { isValid: false, errorMessage: 'Select at least one record in the list view first.' };
        }
        return this.template.querySelector('c-sms-composer').validate();
    }
}
