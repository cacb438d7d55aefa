/**
 * Delivery: hand one event to each of a rule's targets as an asynchronous (Event) invocation
 * through the platform's InvokeService, after applying the target's Input / InputPath /
 * InputTransformer. A target that cannot take the event (function deleted, payload too large)
 * is reported to the operator's log; the other targets still get theirs. A target whose
 * InputTemplate AWS would not deliver (see transform.ts) gets nothing, and the log says so.
 */
import type { InvokeService } from '../../invoke/invoke.js';
import type { Target } from './model.js';
import { targetInput } from './transform.js';

export interface Deliverer {
  deliver(ruleName: string, ruleArn: string, targets: Target[], event: Record<string, unknown>): Promise<void>;
}

/** Seconds-precision ISO time, as EventBridge writes `time` ("2024-01-01T00:00:00Z"). */
export const eventTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function invokeDeliverer(invoke: Pick<InvokeService, 'invoke'>, now: () => number, log: (line: string) => void): Deliverer {
  return {
    async deliver(ruleName, ruleArn, targets, event) {
      const ctx = { ruleArn, ruleName, ingestionTime: eventTime(now()) };
      await Promise.all(
        targets.map(async (t) => {
          try {
            const input = targetInput(t, event, ctx);
            if (input === undefined) {
              // AWS skips such a target silently; Stratus says why in the server log.
              log(`stratus: events: rule ${ruleName} delivered nothing to target ${t.Id} (${t.Arn}) for event ${String(event.id)}: its InputTemplate places an object or array inside a JSON string, which AWS does not deliver`);
              return;
            }
            await invoke.invoke({ functionName: t.Arn, type: 'Event', payload: Buffer.from(input) });
          } catch (err) {
            log(`stratus: events: rule ${ruleName} could not deliver event ${String(event.id)} to target ${t.Id} (${t.Arn}): ${(err as Error).message}`);
          }
        }),
      );
    },
  };
}
