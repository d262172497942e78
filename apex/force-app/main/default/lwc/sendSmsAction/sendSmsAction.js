import { LightningElement, api } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { CloseActionScreenEvent } from 'lightning/actions';
import getEligibility from '@salesforce/apex/SendSmsController.getEligibility';
import send from '@salesforce/apex/SendSmsController.send';

// "Send SMS" quick action on Lead and Contact record pages. Warns when the
// record is not opted in or has no valid number (the connector will suppress
// such sends), then publishes through SendSmsController.send and toasts the outcome.
export default class SendSmsAction extends LightningElement {
    @api objectApiName;
    eligibility;
    eligibilityError;
    composed = { contactPoint: '', templateName: '', message: '' };
    sending = false;
    _recordId;

    // Screen actions may set recordId after connectedCallback, so load on set.
    @api
    get recordId() {
        return this._recordId;
    }
    set recordId(value) {
        this._recordId = value;
        if (value) {
            this.loadEligibility();
        }
    }

    async loadEligibility() {
        try {
            this.eligibility = await getEligibility({ recordId: this._recordId });
            this.eligibilityError = undefined;
        } catch (error) {
            this.eligibilityError = messageOf(error);
        }
    }

    get warnings() {
        return this.eligibility && this.eligibility.warnings.length > 0 ? this.eligibility.warnings : null;
    }

    get phoneText() {
        return this.eligibility && this.eligibility.phone ? `To ${this.eligibility.phone} (${this.eligibility.phoneField})` : '';
    }

    get sendDisabled() {
        return this.sending || !this.composed.contactPoint;
    }

    handleCompose(event) {
        this.composed = event.detail;
    }

    async handleSend() {
        const composer = this.template.querySelector('c-sms-composer');
        const check = composer.validate();
        if (!check.isValid) {
            this.toast('Cannot send yet', check.errorMessage, 'error');
            return;
        }
        this.sending = true;
        try {
            const result = await send({
                contactPoint: this.composed.contactPoint,
                recordIds: [this._recordId],
                templateName: this.composed.templateName || null,
                message: this.composed.message || null
            });
            if (result.success) {
                this.toast('SMS queued', `Request ${result.requestId} was handed to the SMS connector.`, 'success');
                this.dispatchEvent(new CloseActionScreenEvent());
            } else {
                this.toast('SMS not sent', result.errors.join('\n'), 'error');
            }
        } catch (error) {
            this.toast('SMS not sent', messageOf(error), 'error');
        } finally {
            this.sending = false;
        }
    }

    handleCancel() {
        this.dispatchEvent(new CloseActionScreenEvent());
    }

    toast(title, message, variant) {
        this.dispatchEvent(new ShowToastEvent({ title, message, variant }));
    }
}

function messageOf(error) {
    if (error && error.body && error.body.message) {
        return error.body.message;
    }
    return error && error.message ? error.message : 'Unknown error';
}
