/**
 * The source workflow's check of the settings it was started with: a raw `temporal workflow start`
 * skips the client's validation, and e.g. `intervalSeconds: 0` would otherwise continue-as-new in an
 * endless loop. Deterministic: the rules are the settings schema's, imported (config/sourceConfig.ts).
 */
import { collections } from '../catalog/collections';
import { destinationSecretProblem } from '../destinations/reference';
import { SETTING_BOUNDS } from '../config/settingBounds';
import { sourceSettingsProblems, type SourceConfig } from '../config/sourceConfig';
import { DEFAULT_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS } from './rhythm';
import { unknownCollections } from './collectionSelection';

/**
 * Problems with the settings, as `field: problem`; none when they can work.
 *
 * `strict` (runs patched with SETTINGS_BOUNDS_PATCH) applies the settings schema itself, the same
 * rules as the client and the settings file; settings that pass it are not checked again (the
 * activities trust them). Without it the older, looser checks apply, so runs recorded before the
 * schema reached the workflow replay as they ran.
 */
export function workflowSettingsProblems(config: SourceConfig, options: { strict?: boolean; wholeSchema?: boolean } = {}): string[] {
  if (!options.strict) return legacySettingsProblems(config);
  const problems = sourceSettingsProblems(config);
  if (options.wholeSchema) return problems;
  const secret = typeof config.destination === 'string' ? destinationSecretProblem(config.destination) : undefined;
  return [...problems.filter(isBoundsEraProblem), ...(secret ? [`destination: ${secret}`] : [])];
}

export const SETTINGS_BOUNDS_PATCH = 'settings-bounds';
/**
 * Runs patched with this apply the whole schema in the workflow. Runs patched only with
 * SETTINGS_BOUNDS_PATCH checked a subset (name, numeric bounds, collections, a secret in the
 * destination) and left the rest to the checkSource activity: an open run of that era whose settings
 * broke only the rest has that activity in its history, so it must replay with the subset.
 */
export const SETTINGS_SCHEMA_PATCH = 'settings-schema';

/** The fields the SETTINGS_BOUNDS_PATCH-era check covered (the destination only for a secret: added apart). */
function isBoundsEraProblem(problem: string): boolean {
  const field = problem.slice(0, problem.indexOf(':'));
  const top = field.split('.')[0] ?? '';
  return top === 'name' || top === 'collections' || top === 'rate' || top === 'timing' || field in SETTING_BOUNDS;
}

/** The checks of runs started before SETTINGS_BOUNDS_PATCH: kept as they were, so their histories replay unchanged. */
function legacySettingsProblems(config: SourceConfig): string[] {
  const problems: string[] = [];
  const raw = config as unknown as Record<string, unknown> | null | undefined;
  if (!raw || typeof raw !== 'object') return ['settings: must be an object with name, credentialRef, destination, …'];
  if (typeof raw.name !== 'string' || raw.name === '') problems.push('name: must be the source name, e.g. zendesk_prod');
  problems.push(...legacyNumericProblems(raw));
  if (raw.collections !== undefined && (typeof raw.collections !== 'object' || raw.collections === null)) {
    problems.push('collections: must be an object of collection name → true/false');
  } else if (raw.collections) {
    const unknown = unknownCollections(Object.keys(raw.collections));
    if (unknown.length) problems.push(`collections: unknown ${unknown.join(', ')}; known: ${collections.map((c) => c.name).join(', ')}`);
  }
  return problems;
}

function legacyNumericProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const interval = raw.intervalSeconds;
  if (interval !== undefined && (typeof interval !== 'number' || !Number.isFinite(interval) || interval < MIN_INTERVAL_SECONDS)) {
    problems.push(
      `intervalSeconds: must be a number of seconds ≥ ${MIN_INTERVAL_SECONDS} (default ${DEFAULT_INTERVAL_SECONDS}), got ${JSON.stringify(interval)}`,
    );
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
