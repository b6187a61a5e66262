/**
 * The settings file: every source (Zendesk account) in one JSON file.
 *
 *   { "sources": [ { "name": "zendesk_prod", "subdomain": "acme", "credentialRef": "file:./secrets/acme.json",
 *                    "destination": "env:ZS_WAREHOUSE_URL", "collections": {…}, "rate": {…}, "privacy": {…} }, … ] }
 *
 * Secrets never sit in the file: credentials, destination passwords and privacy salts are references
 * (`env:<VAR>` or `file:<path>`) the worker resolves. Problems are reported as
 * `sources[1] (zendesk_eu).rate.share: <what is wrong and the fix>`.
 */
import { readFileSync } from 'node:fs';
import { InvalidSettingsError } from '../failures/vocabulary';
import { validateSourceConfig, type SourceConfig } from './sourceConfig';

export function parseSettings(value: unknown, where = 'settings'): SourceConfig[] {
  const v = value as { sources?: unknown };
  const list = Array.isArray(value) ? value : v && typeof v === 'object' ? v.sources : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidSettingsError(
      `${where}: must be {"sources": [ {"name": …, "subdomain": …, "credentialRef": …, "destination": …}, … ]} with at least one source`,
    );
  }
  const problems: string[] = [];
  const configs: SourceConfig[] = [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    const label = `sources[${i}]${raw && typeof (raw as { name?: unknown }).name === 'string' ? ` (${(raw as { name: string }).name})` : ''}`;
    try {
      const config = validateSourceConfig(raw);
      if (seen.has(config.name))
        problems.push(`${label}.name: "${config.name}" is used twice; each source needs its own name (= warehouse schema)`);
      seen.add(config.name);
      configs.push(config);
    } catch (err) {
      const lines = (err as Error).message
        .split('\n')
        .slice(1)
        .map((l) => `${label}.${l.trim()}`);
      problems.push(...lines);
    }
  });
  if (problems.length) throw new InvalidSettingsError(`invalid settings in ${where}:\n  ${problems.join('\n  ')}`);
  return configs;
}

export function readSettingsFile(file: string): SourceConfig[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidSettingsError(`settings file ${file} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidSettingsError(`settings file ${file} is not JSON: ${(err as Error).message}`);
  }
  return parseSettings(parsed, file);
}

export function pickSource(configs: SourceConfig[], name: string): SourceConfig {
  const config = configs.find((c) => c.name === name);
  if (!config)
    throw new InvalidSettingsError(`no source named "${name}" in the settings; sources: ${configs.map((c) => c.name).join(', ')}`);
  return config;
}
