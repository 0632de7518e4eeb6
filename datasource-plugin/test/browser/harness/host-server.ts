import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { DataProxy } from './data-proxy';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.html': 'text/html',
};

/** Host page for one runtime profile; /public/plugins/<id>/ serves that plugin's dist/ unchanged. */
function hostHtml(profile: string) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Homeostat plugins on ${profile}</title>
<style>body{margin:0;background:#111217;color:#ccccdc;font-family:Inter,Helvetica,Arial,sans-serif}
section{padding:12px}#panel{position:relative;background:#181b1f;border:1px solid #2c3235}</style></head>
<body><section><div id="panel"></div></section><section id="config"></section><section id="query"></section>
<script src="/host/${profile}.js"></script></body></html>`;
}

export interface HostServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves what Grafana's web server would for our plugins: the host page and its bundle, the plugins'
 * dist/ folders under public/plugins/<id>/, and the datasource API + data proxy (DataProxy).
 */
export async function startHostServer(opts: {
  hostsDir: string;
  plugins: Record<string, string>;
  proxy: DataProxy;
}): Promise<HostServer> {
  const server: Server = createServer(async (req, res) => {
    try {
      if (await opts.proxy.handle(req, res)) {
        return;
      }
      const url = new URL(req.url ?? '/', 'http://host');
      const page = /^\/host\/([\w.-]+)\.html$/.exec(url.pathname);
      if (page) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(hostHtml(page[1]));
        return;
      }
      if (/\/public\/(build\/)?img\/icons\/.+\.svg$/.test(url.pathname)) {
        // Grafana's own icon files (not part of any plugin): a blank icon keeps @grafana/ui quiet.
        res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"></svg>');
        return;
      }
      let file: string | undefined;
      const bundle = /^\/host\/([\w.-]+\.js)$/.exec(url.pathname);
      const plugin = /^\/public\/plugins\/([\w-]+)\/(.+)$/.exec(url.pathname);
      if (bundle) {
        file = join(opts.hostsDir, bundle[1]);
      } else if (plugin && opts.plugins[plugin[1]]) {
        const dist = opts.plugins[plugin[1]];
        const candidate = normalize(join(dist, plugin[2]));
        file = candidate.startsWith(dist) ? candidate : undefined;
      }
      if (!file || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
