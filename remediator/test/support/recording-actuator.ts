import type { ApiCall, Target } from '@homeostat/contracts';
import type { ActRequest, Actuator, Plan } from '../../src/actuators/actuator';
import type { TargetSnapshot } from '../../src/policy/decide';

/**
 * An actuator that records every call and keeps a replica count, for engine tests whose subject is
 * the engine (the real actuators have their own tests). `gate` holds run() until released, so a
 * test can keep an action in flight while it sends more alerts.
 */
export class RecordingActuator implements Actuator {
  readonly kind: Actuator['kind'];
  replicas = 2;
  readonly runs: { action: string; target: string; incidentId: string }[] = [];
  readonly undos: { action: string; incidentId: string }[] = [];
  /** Active calls right now, per target (never above 1 when the engine is right). */
  readonly active = new Map<string, number>();
  maxActive = 0;
  failUndo: string | null = null;
  private gates: (() => void)[] = [];
  hold = false;

  constructor(kind: Actuator['kind'] = 'process') {
    this.kind = kind;
  }

  /** Holds snapshot() too (the window between the claim and the call). */
  holdSnapshot = false;

  async snapshot(_t: Target): Promise<TargetSnapshot> {
    if (this.holdSnapshot) await new Promise<void>((r) => this.gates.push(r));
    await new Promise((r) => setImmediate(r));
    return { replicas: this.replicas };
  }

  async plan(req: ActRequest, _before: TargetSnapshot): Promise<Plan> {
    const call: ApiCall = { method: 'TEST', path: `test://${req.target.name}/${req.action}` };
    return {
      apiCall: call,
      run: async () => {
        const k = req.target.name;
        this.active.set(k, (this.active.get(k) ?? 0) + 1);
        this.maxActive = Math.max(this.maxActive, this.active.get(k)!);
        this.runs.push({ action: req.action, target: k, incidentId: req.incidentId });
        if (this.hold) await new Promise<void>((r) => this.gates.push(r));
        await new Promise((r) => setImmediate(r));
        if (req.action === 'scale_out') this.replicas = req.desiredReplicas ?? this.replicas + 1;
        this.active.set(k, this.active.get(k)! - 1);
        return { replicas: this.replicas };
      },
    };
  }

  async undo(req: ActRequest, before: TargetSnapshot, _after: TargetSnapshot): Promise<ApiCall | null> {
    this.undos.push({ action: req.action, incidentId: req.incidentId });
    if (this.failUndo) throw new Error(this.failUndo);
    if (req.action !== 'scale_out') return null;
    this.replicas = Number(before.replicas);
    return { method: 'TEST', path: `test://${req.target.name}/undo` };
  }

  /** Lets every held call finish. */
  release(): void {
    const g = this.gates;
    this.gates = [];
    for (const r of g) r();
  }
}
