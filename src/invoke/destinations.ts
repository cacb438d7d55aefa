/**
 * Where an asynchronous invocation's outcome goes: OnSuccess / OnFailure destinations (the
 * destination record, contract F "Async destination record") and the function's dead-letter
 * queue (the raw event). Each kind of target is a small `Destination` keyed by the service in its
 * ARN: functions and event buses today, queues and topics when Stratus has them. Until then a
 * record for such a target is dropped with a clear log line (its config is still accepted and
 * stored, as AWS does).
 */
import type { EntryResult, PutEventsEntry } from '../events/bridge/bus.js';
import type { LastResult } from '../store/async-store.js';

export type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded' | 'ZeroReservedConcurrency';

export interface DestinationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: Condition; approximateInvokeCount: number };
  requestPayload: unknown;
  responseContext?: { statusCode: number; executedVersion?: string; functionError?: string };
  responsePayload?: unknown;
}

/** A kind of destination, keyed by the service in its ARN (`lambda`, `sqs`, `sns`, `events`, `s3`). */
export interface Destination {
  /** Deliver a record to the target named by `arn`; rejects when it cannot be delivered. */
  deliver(arn: string, record: DestinationRecord): Promise<void>;
}

/** A dead-letter target gets the original event, with AWS's message attributes. */
export interface DeadLetterTarget {
  deliver(arn: string, event: Buffer, attributes: { RequestID: string; ErrorCode: string; ErrorMessage: string }): Promise<void>;
}

const parseOrText = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Build AWS's destination record for an event's final outcome. */
export function destinationRecord(args: {
  now: number;
  requestId: string;
  functionArn: string;
  condition: Condition;
  invocations: number;
  payload: Buffer;
  last?: LastResult;
}): DestinationRecord {
  const record: DestinationRecord = {
    version: '1.0',
    timestamp: new Date(args.now).toISOString(),
    requestContext: {
      requestId: args.requestId,
      functionArn: args.functionArn,
      condition: args.condition,
      approximateInvokeCount: args.invocations,
    },
    requestPayload: parseOrText(args.payload.toString('utf8')),
  };
  if (args.last) {
    const rc: NonNullable<DestinationRecord['responseContext']> = { statusCode: args.last.statusCode };
    if (args.last.executedVersion) rc.executedVersion = args.last.executedVersion;
    // AWS sends functionError only when the function failed.
    if (args.last.functionError) rc.functionError = args.last.functionError;
    record.responseContext = rc;
    if (args.last.payload !== undefined) record.responsePayload = parseOrText(args.last.payload);
  }
  return record;
}

/** The service part of an ARN: `arn:aws:sqs:…` → `sqs`. */
export const arnService = (arn: string): string => arn.split(':')[2] ?? '';

export class Destinations {
  constructor(
    private readonly targets: Readonly<Record<string, Destination>>,
    private readonly deadLetters: Readonly<Record<string, DeadLetterTarget>>,
    private readonly log: (line: string) => void,
  ) {}

  /** Send a record; failures and unsupported targets are logged, never thrown (the event is finished either way). */
  async send(arn: string, record: DestinationRecord): Promise<void> {
    const which = record.requestContext.condition === 'Success' ? 'OnSuccess' : 'OnFailure';
    const target = this.targets[arnService(arn)];
    if (!target) {
      this.log(
        `stratus: async: ${which} destination ${arn} skipped for request ${record.requestContext.requestId} ` +
          `(${record.requestContext.condition}): delivery to ${arnService(arn) || 'this kind of'} targets is not implemented yet`,
      );
      return;
    }
    try {
      await target.deliver(arn, record);
    } catch (err) {
      this.log(`stratus: async: ${which} destination ${arn} failed for request ${record.requestContext.requestId}: ${(err as Error).message}`);
    }
  }

  async deadLetter(arn: string, event: Buffer, attributes: { RequestID: string; ErrorCode: string; ErrorMessage: string }): Promise<void> {
    const target = this.deadLetters[arnService(arn)];
    if (!target) {
      this.log(`stratus: async: dead-letter queue ${arn} skipped for request ${attributes.RequestID}: delivery to ${arnService(arn) || 'this kind of'} targets is not implemented yet`);
      return;
    }
    try {
      await target.deliver(arn, event, attributes);
    } catch (err) {
      this.log(`stratus: async: dead-letter queue ${arn} failed for request ${attributes.RequestID}: ${(err as Error).message}`);
    }
  }
}

/** A Lambda function as a destination: the record becomes the event of an asynchronous invocation. */
export function lambdaDestination(invokeAsync: (functionArn: string, payload: Buffer) => Promise<unknown>): Destination {
  return { deliver: async (arn, record) => void (await invokeAsync(arn, Buffer.from(JSON.stringify(record)))) };
}

/**
 * An event bus as a destination: the record is the detail of an event from source "lambda",
 * detail-type "Lambda Function Invocation Result - Success" (or "- Failure"), whose resources are
 * the bus and the function (AWS's, recording TestLambdaDestinationEventbridge::
 * test_invoke_lambda_eventbridge). The bus then routes it to its rules' targets like any event.
 */
export function eventBusDestination(bus: { putEvents(entries: PutEventsEntry[]): EntryResult[] }): Destination {
  return {
    deliver: async (arn, record) => {
      const outcome = record.requestContext.condition === 'Success' ? 'Success' : 'Failure';
      const [result] = bus.putEvents([{
        Source: 'lambda', DetailType: `Lambda Function Invocation Result - ${outcome}`, Detail: JSON.stringify(record),
        Resources: [arn, record.requestContext.functionArn], EventBusName: arn,
      }]);
      if (result && 'ErrorCode' in result) throw new Error(`${result.ErrorCode}: ${result.ErrorMessage}`);
    },
  };
}
