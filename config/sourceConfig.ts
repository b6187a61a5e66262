/**
 * Validation of source settings, with messages that name the field and the fix. Used by the client
 * before starting a workflow and by the worker before syncing (settings can also arrive through a raw
 * `temporal workflow start`).
 */
import { z } from 'zod';
import { collections } from '../catalog/collections';
import { DESTINATION_REFERENCE_HINT, DESTINATION_REFERENCE_PATTERN, destinationSecretProblem } from '../destinations/reference';
import { numberSettingProblem, retryDelaysProblem, type BoundedSetting } from './settingBounds';
import type { SourceConfig } from '../workflows/types';
import { normalizeSubdomain, resolveEndpoint } from '../zendesk/settings';

/** A number within its documented bounds (config/settingBounds.ts); NaN, Infinity and text are refused too. */
function bounded(field: BoundedSetting) {
  return z.unknown().transform((value, ctx) => {
    const problem = numberSettingProblem(field, value);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return value as number;
  });
}

const collectionNames = collections.map((c) => c.name);

const columnsOf = new Map(collections.map((c) => [c.name, c.columns.map((col) => col.name)]));

/** { users: ['phone'] }: known collections; catalog columns or custom_* columns; never the primary key. */
const columnsByCollection = z.record(z.string(), z.array(z.string())).superRefine((m, ctx) => {
  for (const [table, cols] of Object.entries(m)) {
    const spec = collections.find((c) => c.name === table);
    if (!spec) {
      ctx.addIssue({ code: 'custom', path: [table], message: `unknown collection; known: ${collectionNames.join(', ')}` });
      continue;
    }
    cols.forEach((col, i) => {
      if (col === spec.primaryKey) {
        ctx.addIssue({ code: 'custom', path: [table, i], message: `"${col}" is the primary key of ${table} and must stay as is` });
      } else if (!columnsOf.get(table)!.includes(col) && !col.startsWith('custom_')) {
        ctx.addIssue({ code: 'custom', path: [table, i], message: `${table} has no column "${col}"; columns: ${columnsOf.get(table)!.join(', ')}` });
      }
    });
  }
});

export const sourceConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a warehouse schema name: lowercase letters, digits and _, e.g. zendesk_prod'),
    // Normalised here, when the source is configured, by the same rule the client uses: `acme`,
    // `acme.zendesk.com` and `https://acme.zendesk.com/` all become `acme`; anything else (a doubled
    // `.zendesk.com`, a path) is refused now rather than at the first credential check.
    subdomain: z
      .string()
      .transform((value, ctx) => {
        try {
          return normalizeSubdomain(value);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    baseUrl: z
      .string()
      .url('must be a URL such as http://127.0.0.1:8080')
      .superRefine((value, ctx) => {
        try {
          resolveEndpoint({ baseUrl: value });
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional(),
    credentialRef: z
      .string()
      .regex(/^(file|env):.+/, 'must name a secret: file:<path to a credential JSON> or env:<PREFIX>'),
    destination: z
      .string()
      .regex(DESTINATION_REFERENCE_PATTERN, DESTINATION_REFERENCE_HINT)
      .superRefine((d, ctx) => {
        const problem = destinationSecretProblem(d);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    collections: z
      .record(z.string(), z.boolean())
      .refine((m) => Object.keys(m).every((k) => collectionNames.includes(k)), {
        message: `unknown collection; known: ${collectionNames.join(', ')}`,
      })
      .optional(),
    // Bounds, with their reasons, are in config/settingBounds.ts (shared with the workflow's own check).
    lookbackDays: bounded('lookbackDays').optional(),
    intervalSeconds: bounded('intervalSeconds').optional(),
    parallelStreams: bounded('parallelStreams').optional(),
    rate: z
      .object({
        corePerMinute: bounded('rate.corePerMinute').optional(),
        exportPerMinute: bounded('rate.exportPerMinute').optional(),
        // Zendesk's High Volume API add-on: incremental exports may run at 30/min instead of 10
        // (an explicit exportPerMinute still wins).
        highVolumeAddOn: z.boolean().optional(),
        share: bounded('rate.share').optional(),
        windowMs: bounded('rate.windowMs').optional(),
      })
      .strict()
      .optional(),
    timing: z
      .object({
        heartbeatTimeoutSeconds: bounded('timing.heartbeatTimeoutSeconds').optional(),
        retryInitialSeconds: bounded('timing.retryInitialSeconds').optional(),
        retryMaximumSeconds: bounded('timing.retryMaximumSeconds').optional(),
        maxAttempts: bounded('timing.maxAttempts').optional(),
      })
      .strict()
      .superRefine((timing, ctx) => {
        const problem = retryDelaysProblem(timing);
        if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['retryMaximumSeconds'] });
      })
      .optional(),
    privacy: z
      .object({
        exclude: columnsByCollection.optional(),
        hash: columnsByCollection.optional(),
        saltRef: z
          .string()
          .regex(/^(env|file):.+/, 'must name where the salt is: env:<VAR> (e.g. env:ZS_SALT) or file:<path>, never the salt itself')
          .optional(),
      })
      .strict()
      .refine((p) => !Object.values(p.hash ?? {}).some((c) => c.length) || Boolean(p.saltRef), {
        message: 'hashing columns needs "saltRef": "env:ZS_SALT" (or file:<path>) naming a secret salt',
        path: ['saltRef'],
      })
      .optional(),
  })
  .strict()
  .refine((c) => Boolean(c.subdomain) !== Boolean(c.baseUrl), {
    message: 'give exactly one of "subdomain" (acme for acme.zendesk.com) or "baseUrl"',
    path: ['subdomain'],
  });

export class InvalidSettingsError extends Error {
  readonly type = 'InvalidSettingsError';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSettingsError';
  }
}

/** Returns the config or throws InvalidSettingsError listing every problem as `field: message`. */
export function validateSourceConfig(value: unknown): SourceConfig {
  const parsed = sourceConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data as SourceConfig;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`);
  throw new InvalidSettingsError(`invalid source settings:\n  ${problems.join('\n  ')}`);
}
