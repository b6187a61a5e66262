/**
 * The BigQuery destination's settings, from its URL:
 *
 *   bigquery://PROJECT[/DATASET_PREFIX][?location=EU][&keyFile=/etc/zs/bq-key.json][&apiEndpoint=http://127.0.0.1:9050]
 *
 *   PROJECT         the Google Cloud project that holds the datasets and runs the jobs (billing);
 *   DATASET_PREFIX  optional; each source's dataset is PREFIX + the source's schema name (e.g. prefix
 *                   `zs_` and source schema `zendesk_acme` give dataset `zs_zendesk_acme`); the
 *                   metadata area is PREFIX + `zendesk_sync`, the staging area PREFIX + `zendesk_sync_staging`;
 *   location        where new datasets are created and jobs run (`US`, `EU`, `europe-west3`, …); every
 *                   dataset of one destination must share it, since a query cannot span locations.
 *                   Default `US`, BigQuery's own default;
 *   keyFile         path of a service-account key file (JSON). The key itself never appears in the URL,
 *                   in workflow inputs or in history: only this path does, and the file is read by
 *                   the worker. Absent: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
 *                   `gcloud auth application-default login`, or the attached service account on GCP);
 *   apiEndpoint     another BigQuery REST endpoint (an emulator in tests). No authentication is sent
 *                   to it.
 * Secret-looking parameters (token, private_key, credentials, …) are refused by
 * destinations/referenceSecrets.ts before the URL goes anywhere.
 */

export interface BigQuerySettings {
  projectId: string;
  datasetPrefix: string;
  location: string;
  keyFilename?: string;
  apiEndpoint?: string;
}

/** Project ids: lowercase letters, digits and hyphens (a domain-scoped `example.com:proj` cannot be a URL host). */
const PROJECT_ID = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const DATASET_PREFIX = /^[A-Za-z0-9_]*$/;
const KNOWN_PARAMETERS = new Set(['location', 'keyFile', 'apiEndpoint']);

export const DEFAULT_LOCATION = 'US';

export function parseBigQueryUrl(url: string): BigQuerySettings {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new Error('BigQuery URL is not a valid URL: expected bigquery://PROJECT/DATASET_PREFIX?location=…');
  }
  if (parsed.protocol !== 'bigquery:') throw new Error(`Not a bigquery:// URL (scheme ${parsed.protocol})`);
  if (parsed.username || parsed.password) {
    throw new Error('A BigQuery URL takes no user or password: use keyFile=/path/to/key.json or Application Default Credentials');
  }
  const projectId = decodeURIComponent(parsed.hostname);
  if (!projectId || !PROJECT_ID.test(projectId)) {
    throw new Error(`BigQuery URL: ${JSON.stringify(projectId)} is not a Google Cloud project id`);
  }
  const pathParts = parsed.pathname.split('/').filter((p) => p !== '');
  if (pathParts.length > 1) throw new Error('BigQuery URL: the path is one dataset prefix, e.g. bigquery://my-project/zs_');
  const datasetPrefix = decodeURIComponent(pathParts[0] ?? '');
  if (!DATASET_PREFIX.test(datasetPrefix)) {
    throw new Error(`BigQuery URL: dataset prefix ${JSON.stringify(datasetPrefix)} may hold only letters, digits and _`);
  }
  for (const name of parsed.searchParams.keys()) {
    if (!KNOWN_PARAMETERS.has(name)) {
      throw new Error(`BigQuery URL: unknown parameter ${JSON.stringify(name)} (known: ${[...KNOWN_PARAMETERS].join(', ')})`);
    }
  }
  const location = parsed.searchParams.get('location') ?? DEFAULT_LOCATION;
  if (!/^[A-Za-z0-9-]+$/.test(location)) throw new Error(`BigQuery URL: ${JSON.stringify(location)} is not a location`);
  const keyFilename = parsed.searchParams.get('keyFile') ?? undefined;
  const apiEndpoint = parsed.searchParams.get('apiEndpoint') ?? undefined;
  if (apiEndpoint !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(apiEndpoint)) {
    throw new Error(`BigQuery URL: apiEndpoint must be a scheme and host, e.g. http://127.0.0.1:9050`);
  }
  return {
    projectId,
    datasetPrefix,
    location,
    ...(keyFilename ? { keyFilename } : {}),
    ...(apiEndpoint ? { apiEndpoint: apiEndpoint.replace(/\/$/, '') } : {}),
  };
}
