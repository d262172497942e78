import { LightningElement, api, wire } from 'lwc';
import getOptions from '@salesforce/apex/SendSmsController.getOptions';
import { countSegments, MAX_MESSAGE_LENGTH } from 'c/smsSegments';

// Picks a contact point and a template or free text, with a live character and
// segment counter. Used by the record quick action and the list-view flow screen.
// Fires `compose` with { contactPoint, templateName, message } on every change;
// exactly one of templateName and message is non-empty.
export default class SmsComposer extends LightningElement {
    @api objectApiName;
    @api recipientCount = 1;

    contactPoint = '';
    templateName = '';
    message = '';
    options;
    loadError;

    @wire(getOptions, { objectApiName: '$objectApiName' })
    wiredOptions({ data, error }) {
        if (data) {
            this.options = data;
            this.loadError = undefined;
            if (!this.contactPoint && data.contactPoints.length > 0) {
                this.contactPoint = data.contactPoints[0].value;
                this.notify();
            }
        } else if (error) {
            this.loadError = messageOf(error);
        }
    }

    get loading() {
        return !this.options && !this.loadError;
    }

    get cannotSend() {
        return this.options && !this.options.canSend;
    }

    get noContactPoints() {
        return this.options && this.options.contactPoints.length === 0;
    }

    get contactPointOptions() {
        const choices = this.options ? this.options.contactPoints : [];
        return choices.map((choice) => ({ label: `${choice.label} (${choice.detail})`, value: choice.value }));
    }

    get templateOptions() {
        const choices = this.options ? this.options.templates : [];
        return [{ label: 'None: type a message', value: '' }].concat(
            choices.map((choice) => ({ label: `${choice.label} (${choice.detail})`, value: choice.value }))
        );
    }

    // The server's limit when it says one (getOptions), else the same constant.
    get maxLength() {
        return (this.options && this.options.maxMessageLength) || MAX_MESSAGE_LENGTH;
    }

    get messagePlaceholder() {
        return 'Hi {!Recipient.FirstName, "there"}, ...';
    }

    get usingTemplate() {
        return this.templateName !== '';
    }

    get templateBody() {
        const choices = this.options ? this.options.templates : [];
        const chosen = choices.find((choice) => choice.value === this.templateName);
        return chosen ? chosen.body : '';
    }

    get counted() {
        return countSegments(this.usingTemplate ? this.templateBody : this.message);
    }

    get counterText() {
        const count = this.counted;
        const segments = count.segments === 1 ? '1 segment' : `${count.segments} segments`;
        const suffix = this.usingTemplate ? ' (before merge fields are filled in)' : '';
        return `${count.characters} characters · ${count.encoding} · ${segments}${suffix}`;
    }

    get totalText() {
        const recipients = Number(this.recipientCount) || 0;
        if (recipients <= 1) {
            return '';
        }
        return `About ${this.counted.segments * recipients} segments for ${recipients} recipients.`;
    }

    get unicodeHint() {
        return this.counted.encoding === 'UCS-2' && this.counted.characters > 0
            ? 'A character outside the GSM-7 alphabet (curly quotes, emoji, ...) makes every segment hold 70 characters or fewer.'
            : '';
    }

    handleContactPoint(event) {
        this.contactPoint = event.detail.value;
        this.notify();
    }

    handleTemplate(event) {
        this.templateName = event.detail.value;
        this.notify();
    }

    handleMessage(event) {
        this.message = event.detail.value || '';
        this.notify();
    }

    /** { isValid, errorMessage } in the shape Flow screens expect. */
    @api
    validate() {
        if (!this.contactPoint) {
            return { isValid: false, errorMessage: 'Choose a contact point.' };
        }
        if (!this.usingTemplate && !this.message.trim()) {
            return { isValid: false, errorMessage: 'Type a message or choose a template.' };
        }
        return { isValid: true };
    }

    notify() {
        this.dispatchEvent(
            new CustomEvent('compose', {
                detail: {
                    contactPoint: this.contactPoint,
                    templateName: this.templateName,
                    message: this.usingTemplate ? '' : this.message
                }
            })
        );
    }
}

function messageOf(error) {
    if (error && error.body && error.body.message) {
        return error.body.message;
    }
    return error && error.message ? error.message : 'Unknown error';
}
