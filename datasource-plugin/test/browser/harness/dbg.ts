import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DataProxy, readProvisionedDatasource } from './data-proxy';
import { startHostServer } from './host-server';
(async () => {
  const repoRoot = join(__dirname, '../../../..');
  const settings = readProvisionedDatasource(join(repoRoot, 'provisioning/grafana/datasources/homeostat.yaml'), 'homeostat', process.env);
  const pj = require(join(repoRoot, 'datasource-plugin/dist/plugin.json'));
  const proxy = new DataProxy(settings, pj.routes);
  const server = await startHostServer({ hostsDir: join(repoRoot, 'datasource-plugin/test-output/hosts'), plugins: { 'homeostat-anomaly-datasource': join(repoRoot, 'datasource-plugin/dist'), 'homeostat-healing-panel': join(repoRoot, 'panel-plugin/dist') }, proxy });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  for (const profile of [process.argv[2] ?? 'grafana-11.6']) {
    const page = await browser.newPage();
    page.on('console', (m) => console.log('console', m.type(), m.text().slice(0, 500)));
    page.on('pageerror', (e) => console.log('pageerror', e.message));
    page.on('response', (r) => { if (r.status() >= 400) console.log('HTTP', r.status(), r.url()); });
    await page.goto(`${server.url}/host/${profile}.html`);
    await page.waitForFunction(() => 'homeostatHost' in window);
    await page.evaluate(() => (window as any).homeostatHost.loadPlugins(['homeostat-anomaly-datasource', 'homeostat-healing-panel']));
    await page.evaluate(() => (window as any).homeostatHost.renderConfigEditor());
    await page.waitForTimeout(3000);
    console.log((await page.content()).length, (await page.locator('#config').innerHTML()).slice(0, 300));
  }
  await browser.close(); await server.close();
})();
