/**
 * Event pattern tables, matched with the compiler the bus uses: [pattern on `detail`, the event's
 * `detail`, what AWS answered (true / false, or the reason of its InvalidEventPatternException)].
 * The rows are the cases of LocalStack's AWS-validated pattern snapshots (test_events_patterns.py),
 * kept as data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePattern } from '../src/events/bridge/pattern.js';

type Row = [pattern: unknown, detail: unknown, want: boolean | string];

const envelope = { version: '0', id: '1', 'detail-type': 'test-detail-type', source: 'test-source', account: '123456789012', time: '2022-07-13T13:48:01Z', region: 'us-east-2', resources: [] };

function table(rows: Row[]): void {
  for (const [pattern, detail, want] of rows) {
    const text = JSON.stringify({ detail: pattern });
    it(`${text} on ${JSON.stringify(detail)} → ${want}`, () => {
      if (typeof want === 'string') assert.throws(() => compilePattern(text), { name: 'InvalidEventPatternException', message: `Event pattern is not valid. Reason: ${want}` });
      else assert.equal(compilePattern(text).matches({ ...envelope, detail }), want);
    });
  }
}

describe('anything-but: values, lists, and prefix / suffix / wildcard / equals-ignore-case with a string or a list', () => {
  table([
  [{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}, {"state":"pending"}, true],
  [{"state":[{"anything-but":{"equals-ignore-case":123}}]}, {"state":"pending"}, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."],
  [{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}, {"state":"INITIALIZING"}, false],
  [{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}, {"state":"pending"}, true],
  [{"state":[{"anything-but":{"equals-ignore-case":[123,456]}}]}, {"state":"pending"}, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."],
  [{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}, {"state":"Stopped"}, false],
  [{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}, {}, false],
  [{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}, {"state":null}, true],
  [{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}, {}, false],
  [{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}, {"state":null}, true],
  [{"x-limit":[{"anything-but":123}]}, {"x-limit":789}, true],
  [{"x-limit":[{"anything-but":123}]}, {"x-limit":123}, false],
  [{"x-limit":[{"anything-but":[100,200,300]}]}, {"x-limit":999}, true],
  [{"x-limit":[{"anything-but":[100,200,300]}]}, {"x-limit":100}, false],
  [{"x-limit":[{"anything-but":0}]}, {"x-limit":789}, true],
  [{"state":[{"anything-but":"initializing"}]}, {"state":"pending"}, true],
  [{"state":[{"anything-but":"initializing"}]}, {"state":"initializing"}, false],
  [{"state":[{"anything-but":["stopped","overloaded"]}]}, {"state":"pending"}, true],
  [{"state":[{"anything-but":["stopped","overloaded"]}]}, {"state":"stopped"}, false],
  [{"state":[{"anything-but":["stopped","overloaded"]}]}, {}, false],
  [{"state":[{"anything-but":["stopped","running"]}]}, {"state":null}, true],
  [{"state":[{"anything-but":["stopped",null]}]}, {"state":"pending"}, "Inside anything but list, start|null|boolean is not supported."],
  [{"state":[{"anything-but":"initializing"}]}, {}, false],
  [{"state":[{"anything-but":"initializing"}]}, {"state":null}, true],
  [{"state":[{"anything-but":null}]}, {"state":null}, "Value of anything-but must be an array or single string/number value."],
  [{"state":[{"anything-but":{"prefix":"init"}}]}, {"state":"post-init"}, true],
  [{"state":[{"anything-but":{"prefix":"init"}}]}, {"state":"init-prefix"}, false],
  [{"FileName":[{"anything-but":{"prefix":""}}]}, {"FileName":"file.txt.bak"}, "Null prefix/suffix not allowed"],
  [{"FileName":[{"anything-but":{"prefix":{"equals-ignore-case":"file"}}}]}, {"FileName":"file.txt.bak"}, "Value of anything-but must be an array or single string/number value."],
  [{"state":[{"anything-but":{"prefix":123}}]}, {"state":"post-init"}, "prefix/suffix match pattern must be a string"],
  [{"state":[{"anything-but":{"prefix":"init"}}]}, {"state":12}, true],
  [{"state":[{"anything-but":{"prefix":["init","test"]}}]}, {"state":"post-init"}, true],
  [{"state":[{"anything-but":{"prefix":["init","post"]}}]}, {"state":"post-init"}, false],
  [{"state":[{"anything-but":{"prefix":["init","test"]}}]}, {"state":12}, true],
  [{"state":[{"anything-but":{"prefix":["init","post"]}}]}, {}, false],
  [{"state":[{"anything-but":{"prefix":["init","test"]}}]}, {"state":null}, true],
  [{"state":[{"anything-but":{"prefix":[123,"test"]}}]}, {"state":"post-init"}, "prefix/suffix match pattern must be a string"],
  [{"state":[{"anything-but":{"prefix":"init"}}]}, {}, false],
  [{"state":[{"anything-but":{"prefix":"init"}}]}, {"state":null}, true],
  [{"FileName":[{"anything-but":{"suffix":".txt"}}]}, {"FileName":"file.txt.bak"}, true],
  [{"FileName":[{"anything-but":{"suffix":".txt"}}]}, {"FileName":"file.txt"}, false],
  [{"FileName":[{"anything-but":{"suffix":""}}]}, {"FileName":"file.txt.bak"}, "Null prefix/suffix not allowed"],
  [{"FileName":[{"anything-but":{"suffix":{"equals-ignore-case":".png"}}}]}, {"FileName":"file.txt.bak"}, "Value of anything-but must be an array or single string/number value."],
  [{"FileName":[{"anything-but":{"suffix":123}}]}, {"FileName":"file.txt.bak"}, "prefix/suffix match pattern must be a string"],
  [{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}, {"FileName":"file.txt.bak"}, true],
  [{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}, {"FileName":"file.jpg"}, false],
  [{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}, {}, false],
  [{"FileName":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}, {"FileName":null}, true],
  [{"FileName":[{"anything-but":{"suffix":[null,".txt"]}}]}, {"FileName":"file.txt.bak"}, "prefix/suffix match pattern must be a string"],
  [{"FileName":[{"anything-but":{"suffix":[123,".txt"]}}]}, {"FileName":"file.txt.bak"}, "prefix/suffix match pattern must be a string"],
  [{"FileName":[{"anything-but":{"suffix":".txt"}}]}, {}, false],
  [{"FileName":[{"anything-but":{"suffix":".txt"}}]}, {"FileName":null}, true],
  [{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}, {"FilePath":"dir/init/file"}, true],
  [{"FilePath":[{"anything-but":{"wildcard":"*/init/*"}}]}, {"FilePath":"dir/init/file"}, false],
  [{"FilePath":[{"anything-but":{"wildcard":""}}]}, {"FilePath":"dir/init/file"}, true],
  [{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}, {"FilePath":123}, true],
  [{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}, {"state":"dir/post/dir"}, true],
  [{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}, {"state":"dir/init/dir"}, false],
  [{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}, {}, false],
  [{"state":[{"anything-but":{"wildcard":["*/init/*","*/dir/*"]}}]}, {"state":null}, true],
  [{"state":[{"anything-but":{"wildcard":[123,"*/dir/*"]}}]}, {"state":"dir/post/dir"}, "wildcard match pattern must be a string"],
  [{"FilePath":[{"anything-but":{"wildcard":"*/init/*"}}]}, {}, false],
  [{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}, {"FilePath":null}, true],
  [{"FilePath":[{"anything-but":{"wildcard":123}}]}, {"FilePath":"dir/init/file"}, "wildcard match pattern must be a string"],
  ]);
});

describe('cidr', () => {
  table([
  [{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}, {"sourceIPAddress":"10.0.0.255"}, true],
  [{"sourceIPAddress":[{"cidr":"bad-filter"}]}, {"sourceIPAddress":"10.0.0.255"}, "Malformed CIDR, one '/' required"],
  [{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}, {"sourceIPAddress":"10.0.0.256"}, false],
  [{"sourceIPAddress":[{"cidr":"xx.11.xx/8"}]}, {"sourceIPAddress":"10.0.0.255"}, "Nonstandard IP address: xx.11.xx"],
  [{"sourceIPAddress":[{"cidr":"bad-/64filter"}]}, {"sourceIPAddress":"10.0.0.255"}, "Malformed CIDR, mask bits must be an integer"],
  [{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}, {"sourceIPAddress":123}, false],
  [{"sourceIPAddress":[{"cidr":["bad-type"]}]}, {"sourceIPAddress":"10.0.0.255"}, "prefix match pattern must be a string"],
  [{"sourceIPAddress":[{"cidr":"2001:db8:1234:1a00::/64"}]}, {"sourceIPAddress":"2001:0db8:1234:1a00:0000:0000:0000:0000"}, true],
  [{"sourceIPAddress":[{"cidr":"2001:db8:1234:1a00::/64"}]}, {"sourceIPAddress":"2001:0db8:123f:1a01:0000:0000:0000:0000"}, false],
  [{"sourceIPAddress":[{"cidr":"xxxx:db8:1234:1a00::/64"}]}, {"sourceIPAddress":"10.0.0.255"}, "Nonstandard IP address: xxxx:db8:1234:1a00::"],
  ]);
  // Further cases, from event-ruler's checks (its source is AWS's matcher).
  const ip = (c: unknown) => ({ ip: [{ cidr: c }] });
  table([
    [ip('10.0.0.0/8'), { ip: ['192.168.0.1', '10.200.3.4'] }, true],
    [ip('10.0.0.7/24'), { ip: '10.0.0.1' }, true],
    [ip('10.0.0.0/24'), { ip: '::ffff:10.0.0.1' }, false],
    [ip('10.0.0.0/24'), { ip: 'not an address' }, false],
    [ip('2001:db8::/32'), { ip: '2001:db8:ffff::1' }, true],
    [ip('2001:db8::/32'), { ip: '10.0.0.1' }, false],
    [ip('10.0.0.0/'), {}, "Malformed CIDR, one '/' required"],
    [ip('10.0.0.0/8/8'), {}, "Malformed CIDR, one '/' required"],
    [ip('10.0.0.0/-1'), {}, 'Malformed CIDR, mask bits must not be negative'],
    [ip('10.0.0.0/32'), {}, 'IPv4 mask bits must be < 32'],
    [ip('2001:db8::/128'), {}, 'IPv6 mask bits must be < 128'],
    [ip('10.0.0.256/24'), {}, 'Invalid IP address: 10.0.0.256'],
    [{ ip: [{ cidr: '10.0.0.0/8', prefix: '10' }] }, {}, 'Only one key allowed in match expression'],
  ]);
});

describe('dotted names: a name with dots means the nesting it spells, in the pattern and in the event', () => {
  table([
  [{"state":{"status":["running"]}}, {"state.status":"running"}, true],
  [{"state":{"status":["running"]}}, {"state.status":{"status":"running"}}, false],
  [{"state.status":["running"]}, {"state":{"status":"running"}}, true],
  [{"state.status":{"status":["running"]}}, {"state":{"status":"running"}}, false],
  ]);
  table([
    [{ 'payload.nested.another-level.deep': { 'inside-list': [{ prefix: 'q-test' }] } }, { payload: { nested: { 'another-level': { deep: { 'inside-list': ['q-test-1'] } } } } }, true],
    [{ a: { b: { c: ['x'] } } }, { 'a.b': { c: 'x' } }, true],
    [{ 'a.b.c': ['x'] }, { a: { 'b.c': 'x' } }, true],
    // Two keys on one path: either value can match.
    [{ a: { b: ['2'] } }, { a: { b: '1' }, 'a.b': '2' }, true],
    [{ a: { b: ['1'] } }, { a: { b: '1' }, 'a.b': '2' }, true],
    [{ a: ['1'] }, { a: '1', 'a.b': '2' }, true],
    [{ a: { b: ['2'] } }, { a: '1', 'a.b': '2' }, true],
    [{ 'a.b': [{ exists: true }] }, { 'a.b': 'x' }, true],
    [{ a: [{ exists: false }] }, { 'a.b': 'x' }, true],
    // Array elements are rewritten too, and fields still come from one element.
    [{ items: { 'sku.id': ['b'], qty: [5] } }, { items: [{ sku: { id: 'a' }, qty: 1 }, { 'sku.id': 'b', qty: 5 }] }, true],
    [{ items: { 'sku.id': ['a'], qty: [5] } }, { items: [{ sku: { id: 'a' }, qty: 1 }, { 'sku.id': 'b', qty: 5 }] }, false],
    // A name with an empty part is a name like any other.
    [{ 'a..b': ['x'] }, { 'a..b': 'x' }, true],
    [{ a: { b: ['x'] } }, { 'a..b': 'x' }, false],
    [{ ['__proto__']: { b: ['x'] } }, JSON.parse('{"__proto__.b": "x"}'), true],
  ]);
  it('"state.status": "a" → refused with the dotted name', () => {
    assert.throws(() => compilePattern('{"detail":{"state.status":"running"}}'), { message: 'Event pattern is not valid. Reason: "state.status" must be an object or an array' });
  });
});
