import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_FORM } from '../../src/shared/createFormModel';
import {
  CREATE_FORM_PARAMS,
  DETAILS_PARAMS,
  isCreateFormState,
  isDetailsState,
  isFromWebview,
  type CreateFormMethods,
  type DetailsMethods,
} from '../../src/shared/webviewProtocol';

describe('webview protocol guards', () => {
  const fromForm = (value: unknown) => isFromWebview<CreateFormMethods>(value, CREATE_FORM_PARAMS);
  const fromDetails = (value: unknown) => isFromWebview<DetailsMethods>(value, DETAILS_PARAMS);

  it('accepts the handshake and well-formed requests', () => {
    assert.ok(fromForm({ kind: 'ready' }));
    assert.ok(fromForm({ kind: 'request', id: 1, method: 'create', params: { model: EMPTY_FORM, openDetails: true } }));
    assert.ok(fromForm({ kind: 'request', id: 2, method: 'readDefaults', params: {} }));
    assert.ok(fromDetails({ kind: 'request', id: 3, method: 'run', params: { action: 'openInBrowser', port: 8000 } }));
    assert.ok(fromDetails({ kind: 'request', id: 4, method: 'run', params: { action: 'toggleNetwork' } }));
  });

  it('refuses unknown methods, bad ids and malformed params', () => {
    assert.ok(!fromForm(null));
    assert.ok(!fromForm({ kind: 'request', id: 1, method: 'toString', params: {} }), 'inherited names are no methods');
    assert.ok(!fromForm({ kind: 'request', id: 1.5, method: 'readDefaults', params: {} }));
    assert.ok(!fromForm({ kind: 'request', id: 1, method: 'create', params: { model: { ...EMPTY_FORM, cpu: 2 }, openDetails: false } }));
    assert.ok(!fromForm({ kind: 'request', id: 1, method: 'create', params: { model: { ...EMPTY_FORM, cidrAllowlist: [1] }, openDetails: false } }));
    assert.ok(!fromForm({ kind: 'request', id: 1, method: 'create', params: { model: { ...EMPTY_FORM, networkMode: 'wide' }, openDetails: false } }));
    assert.ok(!fromDetails({ kind: 'request', id: 1, method: 'run', params: { action: 'workbench.action.quit' } }), "only the panel's own actions run");
    assert.ok(!fromDetails({ kind: 'request', id: 1, method: 'run', params: { action: 'openInBrowser', port: 70000 } }));
    assert.ok(!fromDetails({ kind: 'response', id: 1, ok: true, result: null }));
  });

  it('recognises the states the serializers restore from', () => {
    assert.ok(isCreateFormState({ model: EMPTY_FORM, openDetails: false }));
    assert.ok(!isCreateFormState({ model: {}, openDetails: false }));
    assert.ok(isDetailsState({ sandboxId: 'sb-1' }));
    assert.ok(!isDetailsState({ sandboxId: '' }));
    assert.ok(!isDetailsState(undefined));
  });
});
