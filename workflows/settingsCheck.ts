/**
 * The source workflow's own deterministic check of the settings it depends on (kept apart from the
 * rest of the plan because the settings rules have one home: config/).
 */
import { collections } from '../catalog/collections';
import { destinationSecretProblem } from '../destinations/reference';
import { settingsBoundsProblems } from '../config/settingBounds';
import { DEFAULT_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS, unknownCollections } from './plan';
import type { SourceConfig } from './types';

/**
 * Problems with the settings the source workflow itself depends on (its timers and lanes), checked
 * deterministically inside the workflow: a raw `temporal workflow start` skips the client's
 * validation, and e.g. `intervalSeconds: 0` would otherwise continue-as-new in an endless loop.
 * The worker validates everything else (checkSource) before any request.
 *
 * `strict` (runs patched with SETTINGS_BOUNDS_PATCH) checks every numeric setting against its
 * documented bounds (config/settingBounds.ts) and refuses a destination that carries a secret
 * (destinations/referenceSecrets.ts), by the same rules as the settings schema. Without it the older,
 * looser checks apply, so runs recorded before the bounds replay as they ran.
 */
export function workflowSettingsProblems(config: SourceConfig, options: { strict?: boolean } = {}): string[] {
  const problems: string[] = [];
  const raw = config as unknown as Record<string, unknown> | null | undefined;
  if (!raw || typeof raw !== 'object') return ['settings: must be an object with name, credentialRef, destination, …'];
  if (typeof raw.name !== 'string' || raw.name === '') problems.push('name: must be the source name, e.g. zendesk_prod');
  if (options.strict) problems.push(...settingsBoundsProblems(config));
  else problems.push(...legacyNumericProblems(raw));
  if (raw.collections !== undefined && (typeof raw.collections !== 'object' || raw.collections === null)) {
    problems.push('collections: must be an object of collection name → true/false');
  } else if (raw.collections) {
    const unknown = unknownCollections(Object.keys(raw.collections));
    if (unknown.length) problems.push(`collections: unknown ${unknown.join(', ')}; known: ${collections.map((c) => c.name).join(', ')}`);
  }
  if (options.strict) {
    const secret = typeof raw.destination === 'string' ? destinationSecretProblem(raw.destination) : undefined;
    if (secret) problems.push(`destination: ${secret}`);
  }
  return problems;
}

export const SETTINGS_BOUNDS_PATCH = 'settings-bounds';

/** The checks of runs started before SETTINGS_BOUNDS_PATCH: kept so their histories replay unchanged. */
function legacyNumericProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const interval = raw.intervalSeconds;
  if (interval !== undefined && (typeof interval !== 'number' || !Number.isFinite(interval) || interval < MIN_INTERVAL_SECONDS)) {
    problems.push(`intervalSeconds: must be a number of seconds ≥ ${MIN_INTERVAL_SECONDS} (default ${DEFAULT_INTERVAL_SECONDS}), got ${JSON.stringify(interval)}`);
  }
  const lanes = raw.parallelStreams;
  if (lanes !== undefined && (typeof lanes !== 'number' || !Number.isInteger(lanes) || lanes < 1 || lanes > 16)) {
    problems.push(`parallelStreams: must be a whole number from 1 to 16, got ${JSON.stringify(lanes)}`);
  }
  const timing = raw.timing as Record<string, unknown> | undefined;
  if (timing !== undefined) {
    if (typeof timing !== 'object' || timing === null) problems.push('timing: must be an object');
    else {
      for (const key of ['heartbeatTimeoutSeconds', 'retryInitialSeconds', 'retryMaximumSeconds', 'maxAttempts'] as const) {
        const v = timing[key];
        if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) {
          problems.push(`timing.${key}: must be a positive number, got ${JSON.stringify(v)}`);
        }
      }
    }
  }
  return problems;
}

