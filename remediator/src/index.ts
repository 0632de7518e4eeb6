export { RemediatorError, ErrorCodes, type ErrorCode } from './errors';
export { Config, loadConfigFile, parseConfig, type LoadedConfig } from './config';
export { compilePolicy, loadPolicyFile } from './policy/load-policy';
export {
  decide,
  SkipCode,
  type Decision,
  type DecideInput,
  type RuleState,
  type TargetSnapshot,
} from './policy/decide';
export type { Policy, Rule } from './policy/policy-schema';
export type { Actuator, ActRequest, Plan } from './actuators/actuator';
export { ProcessActuator } from './actuators/process';
export { AuditSqlite } from './sinks/audit-sqlite';
export { createRemediator, type Remediator, type RemediatorOverrides } from './remediator';
