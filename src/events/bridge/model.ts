/** EventBridge rules and targets as Stratus stores them (member names are AWS's wire names). */

/**
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS also lets an AWS rule see CloudTrail's read-only
 * management events; Stratus has no CloudTrail, so such a rule is simply enabled.
 */
export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
export const RULE_STATES: RuleState[] = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];

/** Whether a rule matches events and runs its schedule (every state but DISABLED). */
export const isEnabled = (rule: Pick<Rule, 'State'>): boolean => rule.State !== 'DISABLED';

export interface Rule {
  Name: string;
  EventBusName: string;
  State: RuleState;
  ScheduleExpression?: string;
  EventPattern?: string;
  Description?: string;
  RoleArn?: string;
}

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

export interface Target {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
  RoleArn?: string;
}

/** A rule with its schedule bookkeeping. */
export interface StoredRule {
  rule: Rule;
  /** When the rule was created (ms). */
  createdAt: number;
  /** Rate schedules tick at anchor + k × rate, k ≥ 1 (the minute the schedule was set). */
  anchor: number;
  /** Ticks at or before this time have fired, or are not to fire (ms). */
  firedUntil: number;
}

export const DEFAULT_BUS = 'default';
