/** The benchmark harness's own pieces: environment memory from a real process tree, the ratios and the report. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { environmentsMemory, percentile } from '../bench/lib.js';
import { markdown, ratios, type Results } from '../bench/report.js';

const entry = (label: string, c1: [number, number], c10: [number, number]) => ({
  label, c1: { rps: c1[0], p50: c1[1], p99: c1[1] * 3 }, c10: { rps: c10[0], p50: c10[1], p99: c10[1] * 3 },
});

function results(): Results {
  return {
    schema: 2, date: '2026-11-26T00:00:00.000Z', quick: false,
    machine: { cpus: 2, cpu: 'test', memGB: 8, node: 'v20', loadavgStart: [1, 1, 1] },
    method: { warm: 'test' },
    warm: {
      inline: entry('inline', [10_000, 0.1], [40_000, 0.2]),
      hop: entry('hop', [2_000, 0.4], [8_000, 1.0]),
      slsInvokeDefault: entry('sls default', [1_000, 0.8], [1_500, 5]),
      slsInvokeInProcess: entry('sls in-process', [2_500, 0.3], [3_000, 3]),
      slsHttpDefault: { label: 'sls http default', skipped: 'no peer' },
      stratusInvoke: entry('stratus', [1_500, 0.5], [7_500, 1.2]),
    },
    cold: { spawn: { label: 'spawn', node: { e2eP50: 100, e2eP90: 120, initP50: 90, initP90: 110, n: 20 } }, prewarmed: { label: 'pre-warmed', skipped: 'not yet' } },
    notes: ['a note'],
  };
}

describe('bench ratios and report', () => {
  it('divides by the best peer mode and the one-hop floor, and checks the targets', () => {
    const r = ratios(results());
    assert.equal(r.invokeC10VsPeer!.value, 2.5); // 7,500 ÷ the better of 1,500 and 3,000
    assert.equal(r.invokeC10VsPeer!.met, true);
    assert.equal(r.invokeC10VsHop!.value, 0.94);
    assert.equal(r.invokeP50C1VsHop!.value, 1.25);
    assert.equal(r.invokeP50C1VsHop!.met, true);
    // No URL figures and no pre-warmed path in this run: no ratio, no verdict.
    assert.equal(r.urlC10VsPeer!.value, null);
    assert.equal(r.urlC10VsPeer!.met, null);
    assert.equal(r.coldPrewarmedNodeP50Ms!.value, null);
  });

  it('shows skipped parts with their reason instead of failing', () => {
    const r = results();
    r.ratios = ratios(r);
    r.density = { skipped: 'no sandbox here' };
    const md = markdown(r);
    assert.match(md, /\| sls http default \| skipped: no peer \|/);
    assert.match(md, /\| pre-warmed \| skipped: not yet \|/);
    assert.match(md, /## Density\n\nSkipped: no sandbox here/);
    assert.match(md, /\| Stratus Invoke API c=10 req\/s ÷ serverless-offline Invoke API, best mode \| 2\.5 \| 2\.5 \| ≥ 2\.5 \| met \|/);
    assert.match(md, /## Interleaved rounds\n\nNot measured in this run\./);
    assert.match(md, /- a note/);
  });

  it('takes a ratio per interleaved round and reports their median, with the single pass beside it', () => {
    const r = results();
    const load = (rps: number, p50: number) => ({ rps, p50, p99: p50 * 3 });
    r.paired = {
      rounds: 3, seconds: 3, warmupSeconds: 1, method: 'test',
      targets: {
        hop: { key: 'hop', label: 'hop', c1: [load(2_000, 0.2), load(1_000, 0.4), load(2_000, 0.2)], c10: [load(8_000, 1), load(4_000, 2), load(8_000, 1)] },
        stratusInvoke: { key: 'stratusInvoke', label: 'stratus', c1: [load(1_500, 0.28), load(900, 0.5), load(1_400, 0.4)], c10: [load(6_400, 1), load(3_600, 2), load(7_200, 1)] },
        slsInvoke: { key: 'slsInvoke', label: 'sls', c1: [], c10: [load(3_000, 3), load(1_000, 9), load(3_000, 3)] },
      },
    };
    const x = ratios(r);
    // Rounds' p50 ratios 1.4, 1.25, 2.0: the median is 1.4, though the single pass says 1.25.
    assert.equal(x.invokeP50C1VsHop!.value, 1.4);
    assert.deepEqual(x.invokeP50C1VsHop!.range, [1.25, 2]);
    assert.equal(x.invokeP50C1VsHop!.single, 1.25);
    assert.equal(x.invokeP50C1VsHop!.met, true);
    // Rounds' c=10 ratios against the peer 2.13, 3.6, 2.4: median 2.4, missed.
    assert.equal(x.invokeC10VsPeer!.value, 2.4);
    assert.equal(x.invokeC10VsPeer!.met, false);
    // No interleaved URL figures: the single pass (none here either) decides.
    assert.equal(x.urlC10VsPeer!.value, null);
    r.ratios = x;
    const md = markdown(r);
    assert.match(md, /\| Stratus Invoke API p50 at c=1 ÷ one-hop floor p50 \| 1\.4 \(1\.25–2\) \| 1\.25 \| ≤ 1\.5 \| met \|/);
    assert.match(md, /\| stratus \| 0\.28 · 0\.50 · 0\.40 \| 6,400 · 3,600 · 7,200 \|/);
  });

  it('takes percentiles by rank', () => {
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe('environment memory from the process tree', { skip: process.platform !== 'linux' }, () => {
  it('counts each child tree that runs a runtime, and leaves out those that do not', async () => {
    const runtime = spawn(process.execPath, ['-e', 'const keep = Buffer.alloc(20 * 2 ** 20, 1); setInterval(() => keep.length, 1000)'], { stdio: 'ignore' });
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const envs = environmentsMemory(process.pid);
      assert.equal(envs.length, 1);
      assert.equal(envs[0]!.processes, 1);
      // The 20 MB it touched is resident and its own.
      assert.ok(envs[0]!.rssMB > 20, `rss ${envs[0]!.rssMB}`);
      assert.ok(envs[0]!.pssMB > 20, `pss ${envs[0]!.pssMB}`);
    } finally {
      runtime.kill();
      other.kill();
    }
  });
});
