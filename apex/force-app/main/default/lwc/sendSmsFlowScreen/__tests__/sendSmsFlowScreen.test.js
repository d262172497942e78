import { createElement } from 'lwc';
import SendSmsFlowScreen from 'c/sendSmsFlowScreen';
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

// The stub of lightning/flowSupport drops the attribute name and value; record them instead.
jest.mock(
    'lightning/flowSupport',
    () => ({
        FlowAttributeChangeEvent: class extends CustomEvent {
            constructor(attributeName, attributeValue) {
                super('lightning__flowattributechange', { bubbles: true, composed: true, detail: { attributeName, attributeValue } });
            }
        }
    }),
    { virtual: true }
);

const LEADS = ['00Q000000000001AAA', '00Q000000000002AAA'];

function mount(recordIds) {
    const element = createElement('c-send-sms-flow-screen', { is: SendSmsFlowScreen });
    element.recordIds = recordIds;
    const changes = [];
    element.addEventListener('lightning__flowattributechange', (event) => changes.push(event.detail));
    document.body.appendChild(element);
    return { element, changes };
}

const composer = (element) => element.shadowRoot.querySelector('c-sms-composer');

afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
});

describe('c-send-sms-flow-screen', () => {
    it('shows the selection and gives the composer its object and audience', () => {
        const { element } = mount(LEADS);
        expect(element.shadowRoot.textContent).toContain('2 records selected.');
        expect(composer(element).objectApiName).toBe('Lead');
        expect(composer(element).recipientCount).toBe(2);
        expect(mount(['003000000000001AAA']).element.shadowRoot.textContent).toContain('1 record selected.');
        expect(composer(mount(['003000000000001AAA']).element).objectApiName).toBe('Contact');
    });

    it('hands the composer choices back to the flow as output attributes', () => {
        const { element, changes } = mount(LEADS);
        composer(element).dispatchEvent(new CustomEvent('compose', { detail: { contactPoint: 'Main', templateName: '', message: 'Hi' } }));
        expect(changes).toEqual([
            { attributeName: 'contactPoint', attributeValue: 'Main' },
            { attributeName: 'templateName', attributeValue: '' },
            { attributeName: 'message', attributeValue: 'Hi' }
        ]);
    });

    it('blocks Next without a selection and otherwise defers to the composer', async () => {
        expect(mount([]).element.validate()).toEqual({ isValid: false, errorMessage: 'Select at least one record in the list view first.' });
        const { element } = mount(LEADS);
        expect(element.validate()).toEqual({ isValid: false, errorMessage: 'Choose a contact point.' });
        getOptions.emit({ canSend: true, maxRecipients: 100, contactPoints: [{ value: 'Main', label: 'Main', detail: '+1' }], templates: [] });
        await Promise.resolve();
        composer(element).shadowRoot.querySelector('lightning-textarea').dispatchEvent(new CustomEvent('change', { detail: { value: 'Hi' } }));
        expect(element.validate()).toEqual({ isValid: true });
    });
});
