/**
 * The source settings: one schema holds every rule, and the settings type is what it produces
 * (`SourceConfig`), everywhere — client, settings file, activities and workflows.
 *
 * Settings are validated at the edges that receive them: the client and the settings file
 * (`validateSourceConfig`, before Temporal is contacted), startSource, and the source workflow for
 * a raw `temporal workflow start` (`sourceSettingsProblems`, deterministic). Past those edges the
 * typed settings are trusted (the activities do not validate again).
 *
 * Pure (zod, the catalog and pure rules only): workflow code imports this module.
 */
import { z } from 'zod';
import { collections, streamByName } from '../catalog/collections';
import { InvalidSettingsError } from '../failures/vocabulary';
import { DESTINATION_REFERENCE_HINT, DESTINATION_REFERENCE_PATTERN, destinationSecretProblem } from '../destinations/reference';
import { numberSettingProblem, retryDelaysProblem, type BoundedSetting } from './settingBounds';
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

/**
 * Collections `reconciliationOnly` may name: those of lists Zendesk serves only in full (no time
 * filter, no order to stop on), which otherwise cost a full read every cycle.
 */
export const RECONCILIATION_ONLY_COLLECTIONS = collections
  .filter((c) => {
    const stream = streamByName(c.stream);
    return stream.fullRefresh && !stream.incrementalFilter;
  })
  .map((c) => c.name);

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
        ctx.addIssue({
          code: 'custom',
          path: [table, i],
          message: `${table} has no column "${col}"; columns: ${columnsOf.get(table)!.join(', ')}`,
        });
      }
    });
  }
});

/** Rate settings: a source's `rate`, and what the set-rate update may change without a restart. */
export const rateSettingsSchema = z
  .object({
    /** Core API requests per minute (default 200, Segment's cap). */
    corePerMinute: bounded('rate.corePerMinute').optional(),
    /** Incremental-export requests per minute (default 10; 30 with Zendesk's High Volume add-on). */
    exportPerMinute: bounded('rate.exportPerMinute').optional(),
    /**
     * The account has Zendesk's High Volume API add-on: incremental exports may run at 30/min
     * instead of 10 (an explicit exportPerMinute still wins).
     */
    highVolumeAddOn: z.boolean().optional(),
    /** Share of the account's limits this tool may use, 0 < share <= 1 (default 1). */
    share: bounded('rate.share').optional(),
    /** Length of a rate window in ms (default 60000; emulator time-scaled tests use less). */
    windowMs: bounded('rate.windowMs').optional(),
  })
  .strict();

/** Timeouts and retries of the stream activities; tests shorten them. */
export const timingSettingsSchema = z
  .object({
    /** A worker that stops heartbeating for this long is presumed dead (default 60). */
    heartbeatTimeoutSeconds: bounded('timing.heartbeatTimeoutSeconds').optional(),
    /** First retry delay of a failed stream (default 5). */
    retryInitialSeconds: bounded('timing.retryInitialSeconds').optional(),
    /** Longest retry delay (default 300). */
    retryMaximumSeconds: bounded('timing.retryMaximumSeconds').optional(),
    /** Attempts per stream per cycle before the error is recorded and the cycle moves on (default 10). */
    maxAttempts: bounded('timing.maxAttempts').optional(),
  })
  .strict()
  .superRefine((timing, ctx) => {
    const problem = retryDelaysProblem(timing);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['retryMaximumSeconds'] });
  });

/** A source: one Zendesk account synced into one warehouse schema. No secrets: only references. */
export const sourceConfigSchema = z
  .object({
    /** Source name = warehouse schema name, e.g. `zendesk_prod`. Lowercase letters, digits, `_`. */
    name: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a warehouse schema name: lowercase letters, digits and _, e.g. zendesk_prod'),
    /**
     * Zendesk subdomain (`acme` for acme.zendesk.com). One of subdomain / baseUrl.
     * Normalised here, when the source is configured, by the same rule the client uses: `acme`,
     * `acme.zendesk.com` and `https://acme.zendesk.com/` all become `acme`; anything else (a doubled
     * `.zendesk.com`, a path) is refused now rather than at the first credential check.
     */
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
    /** Base URL override (an emulator or a proxy), e.g. `http://127.0.0.1:8080`. */
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
    /**
     * Names the credential; the worker resolves it, so the secret never enters workflow history.
     * `file:<path>` (a JSON credential file the worker reads and, for OAuth, rewrites on rotation) or
     * `env:<PREFIX>` (environment variables PREFIX_EMAIL + PREFIX_API_TOKEN, or PREFIX_ACCESS_TOKEN …).
     */
    credentialRef: z.string().regex(/^(file|env):.+/, 'must name a secret: file:<path to a credential JSON> or env:<PREFIX>'),
    /**
     * The warehouse: a URL without a password (`sqlite://./data/warehouse`,
     * `postgres://user@host/db`) or `env:<VAR>` naming an environment variable holding the URL.
     */
    destination: z
      .string()
      .regex(DESTINATION_REFERENCE_PATTERN, DESTINATION_REFERENCE_HINT)
      .superRefine((d, ctx) => {
        const problem = destinationSecretProblem(d);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    /** Per-collection on/off; collections not named keep their default. */
    collections: z
      .record(z.string(), z.boolean())
      .refine((m) => Object.keys(m).every((k) => collectionNames.includes(k)), {
        message: `unknown collection; known: ${collectionNames.join(', ')}`,
      })
      .optional(),
    // Bounds, with their reasons, are in config/settingBounds.ts.
    /** Days of history for tickets and ticket events on the first sync (default 365). */
    lookbackDays: bounded('lookbackDays').optional(),
    /** Seconds between cycles (default 10800 = 3 hours). */
    intervalSeconds: bounded('intervalSeconds').optional(),
    /** How many streams sync at once (default 3). */
    parallelStreams: bounded('parallelStreams').optional(),
    /**
     * Hours between full reads of the lists Zendesk lets filter by time (satisfaction ratings,
     * activities, audit logs): in between, a cycle reads only what changed and deletes nothing; the
     * full read settles deletions (default 24).
     */
    reconcileEveryHours: bounded('reconcileEveryHours').optional(),
    /**
     * Lists Zendesk serves only in full (memberships, groups, fields, ...) to read only on
     * reconciliations instead of every cycle: an unchanged cycle then costs the same however large the
     * account, and their changes land within `reconcileEveryHours` instead of within a cycle.
     */
    reconciliationOnly: z
      .array(z.string())
      .superRefine((names, ctx) => {
        const wrong = names.filter((n) => !RECONCILIATION_ONLY_COLLECTIONS.includes(n));
        if (wrong.length)
          ctx.addIssue({
            code: 'custom',
            message: `${wrong.join(', ')}: only lists read in full can be read only on reconciliations; one of ${RECONCILIATION_ONLY_COLLECTIONS.join(', ')}`,
          });
      })
      .optional(),
    rate: rateSettingsSchema.optional(),
    timing: timingSettingsSchema.optional(),
    /**
     * Columns to exclude or hash per collection, applied in the worker before rows are written; the
     * salt is a reference (env:VAR / file:path), never the salt itself.
     */
    privacy: z
      .object({
        /** Per collection (table), columns to leave out entirely, e.g. { users: ['phone'] }. */
        exclude: columnsByCollection.optional(),
        /** Per collection (table), columns to store as HMAC-SHA256 hex, e.g. { users: ['email'] }. */
        hash: columnsByCollection.optional(),
        /** Where the per-source salt is: env:<VAR> or file:<path>. Required when `hash` names a column. */
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

/** A source's settings, as the schema produces them. */
export type SourceConfig = z.output<typeof sourceConfigSchema>;
export type RateSettings = z.output<typeof rateSettingsSchema>;
export type TimingSettings = z.output<typeof timingSettingsSchema>;

/** Every problem of a zod parse as `field: message` (`prefix.field` within a part of the settings). */
function problemsOf(error: z.ZodError, prefix?: string): string[] {
  return error.issues.map((i) => {
    const path = i.path.join('.');
    const field = prefix ? (path ? `${prefix}.${path}` : prefix) : path || '(settings)';
    return `${field}: ${i.message}`;
  });
}

/** Every problem of the settings as `field: message`; none when they are valid. Deterministic. */
export function sourceSettingsProblems(value: unknown): string[] {
  const parsed = sourceConfigSchema.safeParse(value);
  return parsed.success ? [] : problemsOf(parsed.error);
}

/** Returns the settings as the schema produces them, or throws InvalidSettingsError listing every problem. */
export function validateSourceConfig(value: unknown): SourceConfig {
  const parsed = sourceConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidSettingsError(`invalid source settings:\n  ${problemsOf(parsed.error).join('\n  ')}`);
}

/** Problems with rate settings (a source's `rate`, or a set-rate request), as `rate.<field>: …`. */
export function rateSettingsProblems(rate: unknown): string[] {
  const parsed = rateSettingsSchema.optional().safeParse(rate);
  return parsed.success ? [] : problemsOf(parsed.error, 'rate');
}
