import { createElement } from 'lwc';
import SmsComposer from 'c/smsComposer';
import getOptions from '@salesforce/apex/SendSmsController.getOptions';

// The documented way to drive an Apex @wire in Jest: a test wire adapter with emit() and error().
jest.mock(
    '@salesforce/apex/SendSmsController.getOptions',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true }
);

const OPTIONS = {
    canSend: true,
    maxRecipients: 100,
    maxMessageLength: 1600,
    contactPoints: [
        { value: 'Alerts', label: 'Alerts', detail: '+15005550006' },
        { value: 'Main', label: 'Main', detail: '+15005550007' }
    ],
    templates: [{ value: 'Appointment_Reminder', label: 'Appointment Reminder', detail: 'Any object', body: 'Hi {!Recipient.FirstName}, see you at 3pm' }]
};

function mount(props = {}) {
    const element = createElement('c-sms-composer', { is: SmsComposer });
    Object.assign(element, props);
    const composed = [];
    element.addEventListener('compose', (event) => composed.push(event.detail));
    document.body.appendChild(element);
    return { element, composed };
}

const flush = () => Promise.resolve();
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const counter = (element) => $(element, 'p.counter').textContent;

function type(element, text) {
    $(element, 'lightning-textarea').dispatchEvent(new CustomEvent('change', { detail: { value: text } }));
}

afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
});

describe('c-sms-composer', () => {
    it('asks Apex for the options of its object and picks the first contact point', async () => {
        const { element, composed } = mount({ objectApiName: 'Lead' });
        expect($(element, 'lightning-spinner')).not.toBeNull();
        getOptions.emit(OPTIONS);
        await flush();
        expect(getOptions.getLastConfig()).toEqual({ objectApiName: 'Lead' });
        expect($(element, 'lightning-spinner')).toBeNull();
        const from = $(element, 'lightning-combobox[data-id], lightning-combobox');
        expect(from.value).toBe('Alerts');
        expect(from.options.map((o) => o.label)).toEqual(['Alerts (+15005550006)', 'Main (+15005550007)']);
        expect(composed.at(-1)).toEqual({ contactPoint: 'Alerts', templateName: '', message: '' });
    });

    it('counts characters and segments as the message is typed', async () => {
        const { element, composed } = mount();
        getOptions.emit(OPTIONS);
        await flush();
        type(element, 'Hi €');
        await flush();
        expect(counter(element)).toBe('4 characters · GSM-7 · 1 segment');
        type(element, 'a'.repeat(161));
        await flush();
        expect(counter(element)).toBe('161 characters · GSM-7 · 2 segments');
        type(element, 'Hello “quoted”');
        await flush();
        expect(counter(element)).toBe('14 characters · UCS-2 · 1 segment');
        expect(element.shadowRoot.textContent).toContain('outside the GSM-7 alphabet');
        expect(composed.at(-1)).toEqual({ contactPoint: 'Alerts', templateName: '', message: 'Hello “quoted”' });
    });

    it('limits the message to what the service accepts', async () => {
        const { element } = mount();
        expect($(element, 'lightning-textarea').maxLength).toBe(1600);
        getOptions.emit({ ...OPTIONS, maxMessageLength: 900 });
        await flush();
        expect($(element, 'lightning-textarea').maxLength).toBe(900);
    });

    it('shows a chosen template instead of the message box and sends no message with it', async () => {
        const { element, composed } = mount();
        getOptions.emit(OPTIONS);
        await flush();
        type(element, 'typed first');
        await flush();
        const template = element.shadowRoot.querySelectorAll('lightning-combobox')[1];
        expect(template.options.map((o) => o.value)).toEqual(['', 'Appointment_Reminder']);
        template.dispatchEvent(new CustomEvent('change', { detail: { value: 'Appointment_Reminder' } }));
        await flush();
        expect($(element, 'lightning-textarea')).toBeNull();
        expect(element.shadowRoot.textContent).toContain('see you at 3pm');
        expect(counter(element)).toMatch(/before merge fields are filled in/);
        expect(composed.at(-1)).toEqual({ contactPoint: 'Alerts', templateName: 'Appointment_Reminder', message: '' });
    });

    it('estimates the segments of the whole audience', async () => {
        const { element } = mount({ recipientCount: 3 });
        getOptions.emit(OPTIONS);
        await flush();
        type(element, 'a'.repeat(161));
        await flush();
        expect(element.shadowRoot.textContent).toContain('About 6 segments for 3 recipients.');
    });

    it('validates like a flow screen component', async () => {
        const { element } = mount();
        expect(element.validate()).toEqual({ isValid: false, errorMessage: 'Choose a contact point.' });
        getOptions.emit(OPTIONS);
        await flush();
        expect(element.validate()).toEqual({ isValid: false, errorMessage: 'Type a message or choose a template.' });
        type(element, '   ');
        expect(element.validate().isValid).toBe(false);
        type(element, 'Hi');
        expect(element.validate()).toEqual({ isValid: true });
    });

    it('tells users who may not send, and shows load errors', async () => {
        const { element } = mount();
        getOptions.emit({ ...OPTIONS, canSend: false, contactPoints: [] });
        await flush();
        expect(element.shadowRoot.textContent).toContain('You need the SMS Notification Sender permission set');
        expect(element.shadowRoot.textContent).toContain('No contact point is available to you');

        const other = mount().element;
        getOptions.error({ message: 'You cannot read the SMS fields' });
        await flush();
        expect(other.shadowRoot.textContent).toContain('Could not load SMS options: You cannot read the SMS fields');
    });
});
