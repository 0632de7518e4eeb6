import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const JMETER = resolve(__dirname, '..', '..', 'jmeter');
type Node = Record<string, unknown>;

/** Every element named `tag` anywhere in the parsed tree. */
function findAll(node: unknown, tag: string, out: Node[] = []): Node[] {
  if (Array.isArray(node)) for (const n of node) findAll(n, tag, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Node)) {
      if (k === tag) for (const e of Array.isArray(v) ? v : [v]) out.push(e as Node);
      findAll(v, tag, out);
    }
  }
  return out;
}

function props(el: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kind of ['stringProp', 'boolProp', 'intProp']) {
    const list = el[kind];
    for (const p of (Array.isArray(list) ? list : list ? [list] : []) as Node[]) out[String(p['@_name'])] = String(p['#text'] ?? '');
  }
  return out;
}

const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['ThreadGroup', 'HTTPSamplerProxy', 'stringProp', 'hashTree'].includes(name) });

describe.each([
  ['normal', 1, [100]],
  ['stress', 5, [100, 200, 300, 400, 500]],
  ['spike', 2, [100, 900]],
])('jmeter/%s.jmx', (name, groups, rates) => {
  const text = readFileSync(join(JMETER, `${name}.jmx`), 'utf8');
  const doc = parser.parse(text) as Node;

  it('is well-formed XML and a JMeter 5 test plan', () => {
    expect(XMLValidator.validate(text)).toBe(true);
    const root = doc.jmeterTestPlan as Node;
    expect(String(root['@_jmeter'])).toMatch(/^5\./);
    expect(findAll(doc, 'TestPlan')).toHaveLength(1);
  });

  it('has its thread groups, each bounded in time, paced by a throughput timer', () => {
    const tgs = findAll(doc, 'ThreadGroup');
    expect(tgs).toHaveLength(groups);
    for (const tg of tgs) {
      const p = props(tg);
      expect(p['ThreadGroup.scheduler']).toBe('true');
      expect(p['ThreadGroup.duration']).not.toBe('');
      expect(tg['@_testname']).toMatch(new RegExp(name));
    }
    const timers = findAll(doc, 'ConstantThroughputTimer');
    expect(timers).toHaveLength(groups);
    // throughput is per minute; the fixed ones must match the documented rates
    const fixed = timers.map((t) => props(t).throughput).filter((v) => /^\d+$/.test(v)).map((v) => Number(v) / 60);
    for (const r of fixed) expect(rates).toContain(r);
  });

  it('samples the gateway on 127.0.0.1:8080 with response-time and status assertions', () => {
    const samplers = findAll(doc, 'HTTPSamplerProxy');
    expect(samplers.length).toBe(groups * 3);
    const vars = Object.fromEntries(
      findAll(doc, 'elementProp')
        .filter((e) => e['@_elementType'] === 'Argument')
        .map((e) => [props(e)['Argument.name'], props(e)['Argument.value']]),
    );
    expect(vars.HOST).toBe('${__P(host,127.0.0.1)}');
    expect(vars.PORT).toBe('${__P(port,8080)}');
    for (const s of samplers) {
      expect(props(s)['HTTPSampler.domain']).toBe('${HOST}');
      expect(props(s)['HTTPSampler.path']).toMatch(/^\/api\/(orders|payments|inventory)$/);
    }
    expect(findAll(doc, 'DurationAssertion')).toHaveLength(samplers.length);
    expect(findAll(doc, 'ResponseAssertion')).toHaveLength(samplers.length);
  });

  it('writes a CSV .jtl with a header line', () => {
    const rc = findAll(doc, 'ResultCollector');
    expect(rc).toHaveLength(1);
    expect(props(rc[0]).filename).toMatch(/\.jtl\)\}$/);
    const cfg = ((rc[0].objProp as Node).value as Node);
    expect(cfg.xml).toBe(false);
    expect(cfg.fieldNames).toBe(true);
    expect(cfg.timestamp).toBe(true);
    expect(cfg.success).toBe(true);
  });
});
