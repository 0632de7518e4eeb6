import { createServer } from 'node:http';

/**
 * A synthetic exporter for the detector benchmark, run as its own process so its memory is not
 * counted as the detector's: N entities x 5 gauges (`bench_metric_{a..e}{entity}`), values on a
 * slow wave with noise. Usage: node synthetic-exporter.js <entities> <port>
 */
const entities = Number(process.argv[2] ?? 1000);
const port = Number(process.argv[3] ?? 0);
const METRICS = ['a', 'b', 'c', 'd', 'e'];
const names = Array.from({ length: entities }, (_, i) => `e${String(i).padStart(5, '0')}`);

function body(): string {
  const t = Date.now() / 1000;
  const parts: string[] = [];
  METRICS.forEach((m, k) => {
    parts.push(`# HELP bench_metric_${m} Synthetic benchmark gauge ${m}.\n# TYPE bench_metric_${m} gauge\n`);
    for (let i = 0; i < entities; i++) {
      const v = (1 + k) * (1 + 0.2 * Math.sin(t / 20 + i)) + Math.random() * 0.05;
      parts.push(`bench_metric_${m}{entity="${names[i]}"} ${v.toFixed(5)}\n`);
    }
  });
  return parts.join('');
}

const server = createServer((req, res) => {
  if (req.url !== '/metrics') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body());
});
server.listen(port, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${typeof a === 'object' && a ? a.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
