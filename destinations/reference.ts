/**
 * A destination reference: what a source's `destination` setting holds, and so what travels in
 * workflow input and history. Either a warehouse URL without secrets (`sqlite://./data/warehouse`,
 * `postgres://user@host/db`, `snowflake://…`, `bigquery://…`) or `env:<VAR>`, naming an environment
 * variable of the worker that holds the URL (the way to give a URL that carries a password).
 *
 * The one place that takes the string apart: its scheme, the `env:` indirection, what of it may be
 * shown, and (./referenceSecrets) whether it carries a secret. Each writer parses the rest of its own
 * URL (destinations/<writer>/settings.ts).
 *
 * Deterministic and without I/O, importing no Node module: workflow code imports it. Resolving
 * `env:` reads the environment it is handed, so it happens only where a caller passes one: on the
 * worker or the CLI, never in workflow code.
 */
import { destinationSecretProblem, isKeyMaterial, isSecretParameterName } from './referenceSecrets';

export { destinationSecretProblem };

/** The forms the settings accept: a built-in writer's URL, or env:<VAR>. */
export const DESTINATION_REFERENCE_PATTERN = /^(sqlite|postgres|postgresql|snowflake|bigquery):\/\/|^env:\w+$/;
export const DESTINATION_REFERENCE_HINT = 'must be sqlite://…, postgres://…, snowflake://…, bigquery://… or env:<VAR>';

const ENV_PREFIX = 'env:';

/** True for `env:<VAR>`: the URL is in the worker's environment, not in the setting. */
export function isEnvReference(ref: string): boolean {
  return ref.startsWith(ENV_PREFIX);
}

/**
 * The URL a reference stands for: the value of VAR for `env:VAR`, else the reference itself. An
 * unset (or empty) variable is a settings error: retrying does not set it.
 */
export function resolveDestinationReference(ref: string, env: Readonly<Record<string, string | undefined>>): string {
  if (!isEnvReference(ref)) return ref;
  const value = env[ref.slice(ENV_PREFIX.length)];
  if (!value) throw Object.assign(new Error(`destination ${ref}: the environment variable is not set`), { type: 'InvalidSettingsError' });
  return value;
}

/** The scheme of a (resolved) URL, lower case, without `://`; undefined when it has none. */
export function urlScheme(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(url.trim())?.[1]?.toLowerCase();
}

/** The kind of destination as written, for summaries and the memo: `postgres`, `sqlite`, … or `env`. */
export function referenceKind(ref: string): string {
  return ref.split(':')[0]!;
}

/**
 * The reference as shown to operators (a workflow's details): `env:<VAR>` as is, a URL without its
 * query (where a writer's options, never wanted in a summary, are).
 */
export function referenceForDisplay(ref: string): string {
  return isEnvReference(ref) ? ref : ref.split('?')[0]!;
}

/**
 * The URL with any password and every secret query parameter (the rule of ./referenceSecrets:
 * password, sslpassword, token, privateKey, …) replaced by `***`, for logs and errors. Errors of
 * activities end up in workflow history.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const [name, value] of [...parsed.searchParams.entries()]) {
      if (isSecretParameterName(name) || isKeyMaterial(value)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    // Not parseable: hide whatever sits between "//user:" and the last "@", and every secret parameter's value.
    return url
      .replace(/(\/\/[^/:@]*:)[^?#]*@/, '$1***@')
      .replace(/([?&])([^=&#]*)=([^&#]*)/g, (whole, sep: string, name: string, value: string) => {
        const decode = (raw: string) => {
          try {
            return decodeURIComponent(raw);
          } catch {
            return raw;
          }
        };
        return isSecretParameterName(decode(name)) || isKeyMaterial(decode(value)) ? `${sep}${name}=***` : whole;
      });
  }
}
