// One failure vocabulary (failures/vocabulary.ts): every part that refuses settings throws the same
// error, the activities turn it and the credential failures into non-retryable failures, and the
// workflow reads those types back as the source's state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../activities';
import { validateSourceConfig } from '../../config/sourceConfig';
import { parseSettings } from '../../config/settingsFile';
import { CredentialNotFoundError } from '../../credentials/store';
import {
  CREDENTIAL_FAILURE_TYPES,
  InvalidSettingsError,
  NON_RETRYABLE_FAILURE_TYPES,
  SETTINGS_FAILURE_TYPE,
} from '../../failures/vocabulary';
import { resolveSalt } from '../../sync/privacy';
import { checkFailureState } from '../../workflows/present';
import { ZendeskAuthError, ZendeskServerError, InvalidSettingsError as ZendeskClientSettingsError } from '../../zendesk';
import { normalizeSubdomain } from '../../zendesk/settings';

test('one settings error: the schema, the settings file, the Zendesk client and the privacy salt throw the same class', () => {
  assert.equal(ZendeskClientSettingsError, InvalidSettingsError);
  const refusals: Array<() => unknown> = [
    () => validateSourceConfig({ name: 'Bad Name' }),
    () => parseSettings({ sources: [] }),
    () => normalizeSubdomain('acme.zendesk.com.zendesk.com'),
    () => resolveSalt('nowhere:salt'),
  ];
  for (const refuse of refusals) {
    assert.throws(
      refuse,
      (err: unknown) => err instanceof InvalidSettingsError && err.type === SETTINGS_FAILURE_TYPE && err.retryable === false,
    );
  }
});

test('settings and credential failures are not retried, and the workflow reads them as the source state', () => {
  const settings = toFailure(new InvalidSettingsError('intervalSeconds: must be a number'));
  assert.ok(settings instanceof ApplicationFailure);
  assert.equal(settings.type, SETTINGS_FAILURE_TYPE);
  assert.equal(settings.nonRetryable, true);
  assert.equal(checkFailureState(settings), 'settings_invalid');

  for (const err of [new ZendeskAuthError('wrong token', { status: 401 }), new CredentialNotFoundError('no credential for env:ZD')]) {
    const failure = toFailure(err);
    assert.ok(failure instanceof ApplicationFailure && failure.nonRetryable, err.name);
    assert.equal(checkFailureState(failure), 'credentials_invalid', err.name);
  }
  assert.ok(CREDENTIAL_FAILURE_TYPES.every((type) => NON_RETRYABLE_FAILURE_TYPES.includes(type)));

  const transient = new ZendeskServerError('Zendesk answered 502', { status: 502 });
  assert.equal(toFailure(transient), transient, 'left to the retry policy');
  assert.equal(checkFailureState(ApplicationFailure.create({ type: transient.type, message: transient.message })), 'unreachable');
});
