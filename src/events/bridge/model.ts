/** EventBridge rules and targets as Stratus stores them (member names are AWS's wire names). */

export interface Rule {
  Name: string;
  EventBusName: string;
  State: 'ENABLED' | 'DISABLED';
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
