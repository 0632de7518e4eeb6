import { ScoringPipeline, type ScoringPipelineOptions } from './scoring-pipeline';

// A service scraped every second as the chaos stack's detector judges it (1 s points, the range
// rule armed after 150 and learning a new level after 150 in a row, a 90-point robust z with a 5 %
// floor, 60 points of likelihood history).
const FEATURES = ['cpu', 'latency_p95', 'error_ratio', 'request_rate'];
const LIVE: ScoringPipelineOptions = {
  forest: { trees: 50, sampleSize: 128, warmup: 90, trainingWindow: 600, refitEvery: 30, zWindow: 90 },
  likelihood: { minSamples: 60, acceptAfter: 30 },
  robustZPoints: 90,
  robustZRelativeFloor: 0.05,
  robustZAbsoluteFloor: { error_ratio: 0.01, latency_p95: 0.025 },
  seasonal: { periodMs: 0 },
  range: { tolerance: 1, minPoints: 150, acceptAfter: 150, minExcess: { error_ratio: 0.05 } },
  alarm: { holdPoints: 30 },
};

function noise(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
}

interface Step {
  rps: number;
  /** CPU beyond what the traffic costs, in cores. */
  extraCpu?: number;
  latency?: number;
  errors?: number;
}

/** 400 quiet points at 40 rps, then `after(i)` for `n` points; the points from the 400th on. */
function run(after: (i: number) => Step, n: number, options: Partial<ScoringPipelineOptions> = {}) {
  const p = new ScoringPipeline({ ...LIVE, ...options, features: FEATURES });
  const r = noise(7);
  const out: { anomaly: boolean; features: string[] }[] = [];
  for (let i = 0; i < 400 + n; i++) {
    const s: Step = i < 400 ? { rps: 40 } : after(i - 400);
    const rps = s.rps * (1 + 0.02 * r());
    // CPU follows the traffic it serves: a fixed cost and a cost per request
    const cpu = 0.02 + 0.0015 * rps + (s.extraCpu ?? 0) + 0.002 * r();
    const latency = (s.latency ?? 0.03) * (1 + 0.1 * r());
    const pt = p.push(i * 1000, [cpu, latency, s.errors ?? 0, rps]);
    if (i < 400) expect(pt.anomaly).toBe(false);
    else out.push({ anomaly: pt.anomaly, features: pt.contributions.map((c) => c.feature) });
  }
  return out;
}

// a stress turn: five one-minute steps from 40 to 200 rps (5x), then back to 40
const stress = (i: number): Step => ({ rps: i < 300 ? 40 + 40 * Math.floor(i / 60 + 1) : 40 });

describe('demand as context', () => {
  it('raises no alarm while traffic rises fivefold and the CPU follows it, latency and errors unchanged', () => {
    expect(run(stress, 420).filter((p) => p.anomaly)).toHaveLength(0);
  });

  it('alarmed on the same stress turn with the setting off (what a soak showed: request rate and CPU judged alone)', () => {
    const alarms = run(stress, 420, { demand: { features: [] } }).filter((p) => p.anomaly);
    expect(alarms.length).toBeGreaterThan(20);
    expect(alarms.flatMap((a) => a.features)).toEqual(expect.arrayContaining(['request_rate']));
  });

  it('still alarms on a CPU spike at the same demand, naming the CPU', () => {
    const pts = run((i) => ({ rps: 40, extraCpu: i < 60 ? 0.9 : 0 }), 60);
    const alarms = pts.filter((p) => p.anomaly);
    expect(alarms.length).toBeGreaterThan(45);
    expect(alarms[0].features).toContain('cpu');
  });

  it('still alarms when the CPU rises while demand falls (a runaway loop starving the requests it serves)', () => {
    const pts = run((i) => ({ rps: i < 60 ? 24 : 40, extraCpu: i < 60 ? 0.6 : 0 }), 60);
    expect(pts.filter((p) => p.anomaly).length).toBeGreaterThan(45);
  });

  it('alarms on overload: latency five times its level under twice the demand, with the traffic attributed beside it', () => {
    const pts = run((i) => ({ rps: 80, latency: i < 60 ? 0.15 : 0.03 }), 60);
    const alarms = pts.filter((p) => p.anomaly);
    expect(alarms.length).toBeGreaterThan(45);
    expect(alarms.every((a) => a.features.includes('latency_p95'))).toBe(true);
    // overload: the demand is named beside the latency on every alarm point (the ladder scales out)
    expect(alarms.every((a) => a.features.includes('request_rate'))).toBe(true);
  });

  it('names the demand beside overload latency even when the rate is within the range it learned', () => {
    // twice the traffic for 200 points (learned as a normal level), back to 40, then twice again with
    // a p95 five times its level: the gateway's stress turns in a soak
    const step = (i: number): Step =>
      i < 200 ? { rps: 80 } : i < 400 ? { rps: 40 } : { rps: 80, latency: 0.15 };
    const pts = run(step, 460).slice(400);
    const alarms = pts.filter((p) => p.anomaly);
    expect(alarms.length).toBeGreaterThan(30);
    // while the rate stands a quarter above its trailing median (the robust z's window, 90 points
    // here): the remediator reads the features of the notification that opens the incident
    expect(alarms.slice(0, 30).every((a) => a.features.includes('request_rate'))).toBe(true);
  });

  it('names no demand beside a latency fault at the same demand (the ladder restarts the slow replica)', () => {
    const pts = run((i) => ({ rps: 40, latency: i < 60 ? 0.6 : 0.03 }), 60);
    const alarms = pts.filter((p) => p.anomaly);
    expect(alarms.length).toBeGreaterThan(45);
    expect(alarms.some((a) => a.features.includes('request_rate'))).toBe(false);
  });

  it('alarms on errors under a demand surge', () => {
    const pts = run((i) => ({ rps: 120, errors: i < 60 ? 0.2 : 0 }), 60);
    expect(pts.filter((p) => p.anomaly).length).toBeGreaterThan(45);
  });

  it('alarms on a service that stops answering: its rate below everything seen is no context', () => {
    const pts = run((i) => ({ rps: i < 60 ? 0 : 40 }), 60);
    expect(pts.filter((p) => p.anomaly).length).toBeGreaterThan(45);
  });

  it('raises no alarm on a ten-minute ramp to five times the traffic with a CPU growing faster than it', () => {
    const pts = run(
      (i) => ({ rps: 40 + (160 * i) / 600, extraCpu: 0.0000015 * ((i * 160) / 600) ** 2 }),
      600,
    );
    expect(pts.filter((p) => p.anomaly)).toHaveLength(0);
  });

  it('at the shipped defaults (no floor), a rate a quantum off its median does not hide a CPU spike', () => {
    const p = new ScoringPipeline({ ...LIVE, robustZRelativeFloor: 0, features: FEATURES });
    let alarms = 0;
    for (let i = 0; i < 460; i++) {
      const rps = i % 5 < 2 ? 40.1 : 40;
      const pt = p.push(i * 1000, [0.08 + (i >= 400 ? 0.9 : 0), 0.03, 0, rps]);
      if (i < 400) expect(pt.anomaly).toBe(false);
      else if (pt.anomaly) alarms++;
    }
    expect(alarms).toBeGreaterThan(45);
  });

  it('judges traffic alone when it is the only feature: a detector of traffic is asked about traffic', () => {
    const p = new ScoringPipeline({
      ...LIVE,
      robustZAbsoluteFloor: {},
      range: { ...LIVE.range, minExcess: {} },
      features: ['request_rate'],
    });
    const r = noise(5);
    let alarms = 0;
    for (let i = 0; i < 500; i++) {
      const pt = p.push(i * 1000, [(i < 400 ? 40 : 160) * (1 + 0.02 * r())]);
      if (pt.anomaly) alarms++;
    }
    expect(alarms).toBeGreaterThan(50);
  });

  it('rejects a demand setting that names no feature', () => {
    expect(() => new ScoringPipeline({ ...LIVE, demand: { features: ['rps'] }, features: FEATURES })).toThrow(
      /demand\.features\.rps names no feature/,
    );
  });
});
