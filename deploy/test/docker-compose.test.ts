import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readComposeFile, validateCompose, parseVolume, dockerfileStages } from '../src/compose-file';
import { readYamlFile, repoPath, ROOT } from '../src/repo';
import { hasTool, runTool } from '../src/tools';

// docker-compose.yml against the Compose Specification schema and the real Compose CLI where one
// is installed, then for what `docker compose up` needs to work: mounted files, build targets,
// scrape labels, the shared webhook token, Grafana's unsigned-plugin allow-list.
jest.setTimeout(60_000);

const compose = readComposeFile(repoPath('docker-compose.yml'));
const services = compose.services;
const FLEET_BACKENDS = ['orders', 'payments', 'inventory'];

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(validateCompose(compose)).toEqual([]);
  });

  it('the schema check catches a mistake (it is not vacuous)', () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.orders.restart_policy = 'always';
    broken.services.gateway.ports = 8080;
    const problems = validateCompose(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/services/orders', message: 'unknown key "restart_policy"' }),
        expect.objectContaining({ path: '/services/gateway/ports' }),
      ]),
    );
  });

  it('has the fixed project name the remediator policy targets', () => {
    expect(compose.name).toBe('homeostat');
    const policy = readYamlFile<{ rules: { target: { actuator: string; namespace?: string } }[] }>('provisioning', 'remediator', 'policy.yml');
    for (const r of policy.rules) expect(r.target).toEqual(expect.objectContaining({ actuator: 'docker', namespace: compose.name }));
  });

  // Debian's docker-compose 1.29 where installed (Compose v2 is a Docker CLI plugin Debian does not
  // package). 1.29 predates the top-level `name`, so it checks everything else.
  (hasTool('docker-compose') ? it : it.skip)('docker-compose 1.29 `config` accepts it (apart from the top-level name)', () => {
    const text = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    expect(text).toMatch(/^name: homeostat$/m);
    const copy = join(mkdtempSync(join(tmpdir(), 'homeostat-compose-')), 'docker-compose.yml');
    writeFileSync(copy, text.replace(/^name: homeostat$/m, ''));
    const r = runTool('docker-compose', ['-f', copy, '--project-directory', ROOT, 'config', '-q'], { cwd: ROOT });
    rmSync(dirname(copy), { recursive: true, force: true });
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs Grafana, Prometheus, Alertmanager, node-exporter, the detector, the remediator and the demo fleet', () => {
    const byDefault = Object.entries(services).filter(([, s]) => !(s as { profiles?: string[] }).profiles);
    expect(byDefault.map(([name]) => name).sort()).toEqual(
      ['alertmanager', 'detector', 'gateway', 'grafana', 'inventory', 'node-exporter', 'orders', 'payments', 'prometheus', 'remediator'].sort(),
    );
  });

  it('mounts only files and folders that exist in the repository (plugins after `npm run build`)', () => {
    const missing: string[] = [];
    for (const [name, svc] of Object.entries(services)) {
      for (const v of (svc.volumes ?? []).map(parseVolume)) {
        if (v.relative && !existsSync(repoPath(v.source))) missing.push(`${name}: ${v.source}`);
      }
    }
    for (const [name, s] of Object.entries(compose.secrets ?? {})) {
      if (s.file && !existsSync(repoPath(s.file))) missing.push(`secret ${name}: ${s.file}`);
    }
    expect(missing).toEqual([]);
  });

  it('mounts the Grafana plugins built from datasource-plugin and panel-plugin, and allows exactly those unsigned', () => {
    const grafana = services.grafana;
    const ids: string[] = [];
    for (const pkg of ['datasource-plugin', 'panel-plugin']) {
      const id = (JSON.parse(readFileSync(repoPath(pkg, 'src', 'plugin.json'), 'utf8')) as { id: string }).id;
      ids.push(id);
      expect(grafana.volumes).toContain(`./${pkg}/dist:/var/lib/grafana/plugins/${id}:ro`);
    }
    expect(grafana.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS?.split(',').sort()).toEqual(ids.sort());
    expect(grafana.volumes).toContain('./provisioning/grafana:/etc/grafana/provisioning:ro');
  });

  it('mounts dashboards/ where the provisioned dashboard provider reads, and gives Grafana the datasource token variables', () => {
    const grafana = services.grafana;
    const providers = readYamlFile<{ providers: { options: { path: string } }[] }>('provisioning', 'grafana', 'dashboards', 'homeostat.yaml').providers;
    for (const p of providers) expect(grafana.volumes).toContain(`./dashboards:${p.options.path}:ro`);
    // Every file Grafana provisions in compose: the Homeostat datasource alone, and compose's own Prometheus.
    const datasources = ['homeostat.yaml', 'compose-prometheus.yaml'].flatMap(
      (f) =>
        readYamlFile<{ datasources: { url?: string; jsonData?: Record<string, string>; secureJsonData?: Record<string, string> }[] }>(
          'provisioning',
          'grafana',
          'datasources',
          f,
        ).datasources,
    );
    const vars = datasources.flatMap((d) => Object.values(d.secureJsonData ?? {})).flatMap((v) => v.match(/\$\{?([A-Z_]+)/g) ?? []);
    expect(vars.length).toBeGreaterThan(0);
    for (const v of vars) expect(Object.keys(grafana.environment ?? {})).toContain(v.replace(/^\$\{?/, ''));
    // the datasource URLs name compose services on their container ports
    const urls = datasources.flatMap((d) => [d.url, ...Object.values(d.jsonData ?? {})]).filter((u): u is string => typeof u === 'string' && u.startsWith('http'));
    expect(urls.sort()).toEqual(['http://detector:8090', 'http://prometheus:9090', 'http://remediator:8091']);
  });

  it('builds our images from Dockerfile targets that exist, multi-stage, ending as a non-root numeric user', () => {
    const stages = dockerfileStages(readFileSync(repoPath('Dockerfile'), 'utf8'));
    const built = Object.entries(services).filter(([, s]) => s.build);
    expect(built.map(([n]) => n).sort()).toEqual(['detector', 'gateway', 'inventory', 'orders', 'payments', 'remediator']);
    for (const [name, svc] of built) {
      const stage = stages.find((s) => s.name === svc.build!.target);
      expect([name, stage?.name]).toEqual([name, svc.build!.target]);
      expect(stage!.user).toMatch(/^[1-9]\d*(:\d+)?$/);
      expect(svc.image).toMatch(/^homeostat\//);
    }
    expect(stages.length).toBeGreaterThan(3);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    const open = Object.entries(services).flatMap(([n, s]) => (s.ports ?? []).filter((p) => !p.startsWith('127.0.0.1:')).map((p) => `${n}: ${p}`));
    expect(open).toEqual([]);
  });

  it('keeps the backends scalable (no container_name, no host port) and lets the remediator, not Docker, restart them', () => {
    for (const b of FLEET_BACKENDS) {
      expect(services[b].container_name).toBeUndefined();
      expect(services[b].ports).toBeUndefined();
      expect(services[b].restart).toBe('no');
    }
  });

  it('labels every scraped container with a job and a metrics port it exposes; job "demo" is exactly the fleet', () => {
    const scraped = Object.entries(services).filter(([, s]) => s.labels?.['homeostat.scrape'] === 'true');
    for (const [name, s] of scraped) {
      expect([name, s.expose]).toEqual([name, expect.arrayContaining([s.labels!['homeostat.metrics-port']])]);
      expect(['demo', 'homeostat']).toContain(s.labels!['homeostat.job']);
    }
    const demo = scraped.filter(([, s]) => s.labels!['homeostat.job'] === 'demo').map(([n]) => n);
    expect(demo.sort()).toEqual(['gateway', ...FLEET_BACKENDS].sort());
    const prometheus = readYamlFile<{ scrape_configs: { job_name: string; docker_sd_configs?: { filters: { name: string; values: string[] }[] }[] }[] }>(
      'provisioning',
      'prometheus',
      'prometheus.yml',
    );
    const filter = prometheus.scrape_configs.find((s) => s.job_name === 'demo')!.docker_sd_configs![0].filters[0];
    expect(filter).toEqual({ name: 'label', values: ['homeostat.scrape=true'] });
  });

  it('points the gateway at every replica of each backend (Docker DNS) on the port that backend listens on', () => {
    const args = services.gateway.command!;
    for (const b of FLEET_BACKENDS) {
      const port = services[b].command!.find((a) => a.startsWith('--port='))!.split('=')[1];
      expect(args).toContain(`--dns=${b}=${b}:${port}`);
      expect(services[b].command).toContain(`--service=${b}`);
    }
  });

  it('gives each backend a healthcheck of its own ready path on the port it listens on (a restart of every replica waits for it)', () => {
    for (const b of FLEET_BACKENDS) {
      const port = services[b].command!.find((a) => a.startsWith('--port='))!.split('=')[1];
      const test = services[b].healthcheck?.test ?? [];
      expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
      expect(test[3]).toContain(`http://127.0.0.1:${port}/readyz`);
    }
  });

  it('keeps SQLite by default and offers PostgreSQL state as the opt-in profile `postgres`', () => {
    const pg = services.postgres as unknown as { profiles: string[]; environment: Record<string, string> };
    expect(pg.profiles).toEqual(['postgres']);
    const rem = services.remediator as unknown as { command: string[]; environment: Record<string, string> };
    expect(rem.command.join(' ')).toBe('serve --config ${HOMEOSTAT_REMEDIATOR_CONFIG:-/etc/homeostat/remediator.yml}');
    expect(rem.environment.HOMEOSTAT_STATE_URL).toMatch(/^postgres:\/\/homeostat:.*@postgres:5432\/homeostat$/);
    expect(rem.environment.HOMEOSTAT_STATE_URL).toContain(pg.environment.POSTGRES_PASSWORD);
  });

  it('shares one webhook token: Alertmanager sends the file the remediator accepts', () => {
    const am = readYamlFile<{ receivers: { name: string; webhook_configs?: { url: string; http_config: { authorization: { type: string; credentials_file: string } } }[] }[] }>(
      'provisioning',
      'alertmanager',
      'alertmanager.yml',
    );
    const wh = am.receivers.find((r) => r.name === 'remediator')!.webhook_configs![0];
    const remediator = readYamlFile<{ auth: { bearerTokens: { file: string }[] }; server: { port: number } }>('provisioning', 'remediator', 'remediator.yml');
    expect(wh.http_config.authorization.type).toBe('Bearer');
    const secret = wh.http_config.authorization.credentials_file.replace('/run/secrets/', '');
    expect(services.alertmanager.secrets).toContain(secret);
    expect(services.remediator.secrets).toContain(secret);
    expect(remediator.auth.bearerTokens).toEqual([{ file: `/run/secrets/${secret}` }]);
    expect(wh.url).toBe(`http://remediator:${remediator.server.port}/api/v1/alerts/alertmanager`);
    expect(statSync(repoPath(compose.secrets![secret].file!)).size).toBeGreaterThan(8);
  });

  it('gives Prometheus and the remediator the Docker socket, and mounts the rules written under provisioning/prometheus/rules', () => {
    expect(services.prometheus.volumes).toEqual(
      expect.arrayContaining([
        './provisioning/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './provisioning/prometheus/rules:/etc/prometheus/rules:ro',
        '/var/run/docker.sock:/var/run/docker.sock:ro',
      ]),
    );
    expect(services.remediator.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(services.detector.volumes).toContain('./provisioning/detector:/etc/homeostat:ro');
    expect(services.remediator.volumes).toContain('./provisioning/remediator:/etc/homeostat:ro');
  });

  it('runs our containers read-only without capabilities', () => {
    for (const n of ['detector', 'remediator', 'gateway', ...FLEET_BACKENDS]) {
      expect([n, services[n].read_only, services[n].cap_drop]).toEqual([n, true, ['ALL']]);
    }
  });

  it('gives each backend a writable /tmp, its scratch volume, on the read-only root filesystem', () => {
    for (const b of FLEET_BACKENDS) expect([b, services[b].tmpfs]).toEqual([b, ['/tmp:size=128m,uid=1000,gid=1000']]);
  });
});
