/** `client.ts collections`: every collection of the catalog, what it costs and needs (catalog/describe.ts). */
import { Command } from 'commander';
import { formatTable } from './table';
import { describeCollections, offeredByText, requiresText } from '../catalog/describe';

export function collectionsCommand(): Command {
  return new Command('collections')
    .description(
      'every collection: on by default or not, the endpoint and pagination it uses, the plan it needs, its requests per cycle, which anchor connectors offer it',
    )
    .option('--json', 'print the list as JSON')
    .action((o: { json?: boolean }) => {
      const rows = describeCollections();
      if (o.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(
        formatTable(
          ['collection', 'default', 'endpoint', 'pagination', 'requires', 'requests per cycle', 'nothing changed', 'offered by'],
          rows.map((d) => [
            d.name,
            d.enabledByDefault ? 'on' : 'off',
            d.ridesOn ? `${d.endpoint} (with ${d.ridesOn})` : d.endpoint,
            d.pagination,
            requiresText(d),
            d.costPerCycle,
            d.unchangedCycle,
            offeredByText(d),
          ]),
        ),
      );
      const on = rows.filter((d) => d.enabledByDefault).length;
      console.log(
        `\n${rows.length} collections, ${on} on by default; turn others on with start --enable <names> or "collections" in the settings.`,
      );
    });
}
