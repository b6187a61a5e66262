/**
 * The one rule for secrets in a destination string. A destination travels in workflow input (and so
 * in Temporal's history) exactly as written, so a URL that carries a secret must instead be given
 * as `env:<VAR>`, naming an environment variable the worker resolves.
 *
 * A URL carries a secret when it has a password in its user part (`postgres://u:pw@h/db`) or a
 * query parameter whose name says it holds one: password, passwd, pwd, passphrase, passcode, token,
 * secret, credential, private key, api key, access key (`postgres://u@h/db?password=…`,
 * `?sslpassword=…`, `snowflake://U@A/DB?privateKey=…&token=…`), compared without case, `_` or `-`.
 * A parameter naming a FILE that holds key material (`…Path`, `…File`, Postgres' `sslkey`,
 * `sslcert`, `sslrootcert`, which the driver reads from disk) carries no secret and is fine.
 * BigQuery's service-account keys: a parameter named for one (`serviceAccount`, `keyJson`, `keyData`)
 * and any parameter whose VALUE holds key material (a PEM block, a key JSON's `private_key`) count as
 * secrets whatever the parameter is called; `bigquery://P/D?keyFile=/etc/zs/bq-key.json` is the way.
 *
 * Used through ./reference by the settings schema (client start, settings file, startSource, the
 * worker's check), the workflow's own settings check, and redactUrl. Pure: workflow code imports it.
 */

const SECRET_NAME_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'credential',
  'privatekey',
  'apikey',
  'accesskey',
  'serviceaccount',
  'keyjson',
  'keydata',
];
const SECRET_NAMES = new Set(['pwd', 'pass', 'key']);

/** A query parameter name that carries a secret (see the module comment). */
export function isSecretParameterName(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (normalized.endsWith('path') || normalized.endsWith('file')) return false;
  return SECRET_NAMES.has(normalized) || SECRET_NAME_PARTS.some((part) => normalized.includes(part));
}

/** A parameter value that holds key material itself: a PEM block or a service-account key's JSON. */
export function isKeyMaterial(value: string): boolean {
  return /-----BEGIN [A-Z ]*PRIVATE KEY|private_key|"type"\s*:\s*"service_account"/i.test(value);
}

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** A URL's query parameters, names and values decoded (`pass%77ord` is `password`). */
function queryParameters(url: string): Array<{ name: string; value: string }> {
  const question = url.indexOf('?');
  if (question < 0) return [];
  const query = url.slice(question + 1).split('#')[0]!;
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0
        ? { name: decodedName(pair), value: '' }
        : { name: decodedName(pair.slice(0, equals)), value: decodedName(pair.slice(equals + 1)) };
    });
}

/**
 * True when the part between `scheme://` and the host holds a password. Everything before the last
 * `@` of the part before the query is the user part, so a password containing `/` or `@` counts too.
 */
function hasUserPassword(url: string): boolean {
  const afterScheme = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (afterScheme === url) return false;
  const beforeQuery = afterScheme.split(/[?#]/)[0]!;
  const at = beforeQuery.lastIndexOf('@');
  return at >= 0 && beforeQuery.slice(0, at).includes(':');
}

/** Names of the secret-carrying query parameters of a URL (decoded), in order. */
export function secretParametersOf(url: string): string[] {
  return queryParameters(url)
    .filter(({ name, value }) => isSecretParameterName(name) || isKeyMaterial(value))
    .map(({ name }) => name);
}

/**
 * What is wrong with a destination that carries a secret, or undefined when it carries none
 * (`env:<VAR>` never does: the URL stays in the worker's environment). Never echoes the secret.
 */
export function destinationSecretProblem(destination: string): string | undefined {
  if (typeof destination !== 'string' || /^env:/.test(destination)) return undefined;
  const found: string[] = [];
  if (hasUserPassword(destination)) found.push('a password in user:password@');
  const names = [...new Set(secretParametersOf(destination))];
  if (names.length) found.push(`secret query parameter${names.length > 1 ? 's' : ''} ${names.join(', ')}`);
  if (!found.length) return undefined;
  return `must not contain a password or other secret (found ${found.join(' and ')}): workflow history would keep it. Put the whole URL in an environment variable of the worker and pass env:<VAR>, e.g. env:ZS_WAREHOUSE_URL`;
}
