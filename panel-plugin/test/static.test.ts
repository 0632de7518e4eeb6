/**
 * @jest-environment node
 */
import { join } from 'node:path';
// The validator and Grafana's schema live with the datasource plugin; both plugins are checked the same way.
import schema from '../../datasource-plugin/test/static/plugin.schema.json';
import { validatePluginDist } from '../../datasource-plugin/test/static/validate-plugin';

describe('built panel plugin (static validation)', () => {
  it('passes every check on dist/', () => {
    expect(validatePluginDist(join(__dirname, '..'), schema)).toEqual([]);
  });
});
