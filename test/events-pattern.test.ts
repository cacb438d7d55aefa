/**
 * Event pattern matching tables, asked through TestEventPattern on a real server with the real
 * @aws-sdk/client-eventbridge (the same matcher routes PutEvents), and AWS's refusals of bad patterns.
 */
import { EventBridgeClient, PutRuleCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startTestServer } from './helpers/server.js';

let eb: EventBridgeClient;
before(async () => {
  const s = await startTestServer();
  eb = new EventBridgeClient({ endpoint: s.url, region: 'us-east-1', credentials: s.platform.keys, maxAttempts: 1 });
});

const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0', 'arn:aws:ec2:us-west-1:123456789012:instance/i-2'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    price: 300,
    ratio: 0.5,
    flag: true,
    nothing: null,
    name: 'EventBridge',
    file: 'dir/photo.PNG',
    tags: ['blue', 'green'],
    location: { city: 'Paris', zip: '75001' },
    items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }],
    'source-ip': '10.0.0.12',
  },
};

const test = async (pattern: unknown) =>
  (await eb.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }))).Result;

const matching: [string, unknown][] = [
  ['exact source', { source: ['aws.ec2'] }],
  ['one of several values (OR)', { source: ['aws.s3', 'aws.ec2'] }],
  ['several fields (AND)', { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] }],
  ['nested field', { detail: { state: ['terminated'] } }],
  ['two levels deep', { detail: { location: { city: ['Paris'] } } }],
  ['two levels deep, as a dotted name', { detail: { 'location.city': ['Paris'] } }],
  ['a number', { detail: { price: [300] } }],
  ['a number written differently', { detail: { price: [300.0, 3] } }],
  ['true', { detail: { flag: [true] } }],
  ['null', { detail: { nothing: [null] } }],
  ['an event array element', { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-2'] }],
  ['an event array against a pattern list', { detail: { tags: ['red', 'green'] } }],
  ['prefix', { source: [{ prefix: 'aws.' }] }],
  ['prefix ignoring case', { detail: { name: [{ prefix: { 'equals-ignore-case': 'eventb' } }] } }],
  ['suffix', { detail: { file: [{ suffix: '.PNG' }] } }],
  ['suffix ignoring case', { detail: { file: [{ suffix: { 'equals-ignore-case': '.png' } }] } }],
  ['equals-ignore-case', { detail: { name: [{ 'equals-ignore-case': 'eventbridge' }] } }],
  ['wildcard', { detail: { file: [{ wildcard: 'dir/*.PNG' }] } }],
  ['wildcard in the middle and end', { source: [{ wildcard: 'a*.e*' }] }],
  ['anything-but a value', { detail: { state: [{ 'anything-but': 'running' }] } }],
  ['anything-but a list', { detail: { state: [{ 'anything-but': ['running', 'stopped'] }] } }],
  ['anything-but a number', { detail: { price: [{ 'anything-but': 100 }] } }],
  ['anything-but numbers', { detail: { price: [{ 'anything-but': [100, 200] }] } }],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'run' } }] } }],
  ['anything-but suffix', { detail: { file: [{ 'anything-but': { suffix: '.jpg' } }] } }],
  ['anything-but equals-ignore-case', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['RUNNING'] } }] } }],
  ['anything-but wildcard', { detail: { file: [{ 'anything-but': { wildcard: '*.jpg' } }] } }],
  ['anything-but a list of prefixes', { detail: { state: [{ 'anything-but': { prefix: ['run', 'stop'] } }] } }],
  ['anything-but a list of suffixes on a number', { detail: { price: [{ 'anything-but': { suffix: ['0', '1'] } }] } }],
  ['anything-but on an array: one element differs', { detail: { tags: [{ 'anything-but': 'blue' }] } }],
  ['numeric equals', { detail: { price: [{ numeric: ['=', 300] }] } }],
  ['numeric range', { detail: { price: [{ numeric: ['>', 0, '<=', 300] }] } }],
  ['numeric lower bound', { detail: { ratio: [{ numeric: ['>=', 0.5] }] } }],
  ['numeric upper bound', { detail: { ratio: [{ numeric: ['<', 1] }] } }],
  ['exists true', { detail: { state: [{ exists: true }] } }],
  ['exists true on null', { detail: { nothing: [{ exists: true }] } }],
  ['exists false', { detail: { missing: [{ exists: false }] } }],
  ['exists false under an absent object', { detail: { nowhere: { deeper: [{ exists: false }] } } }],
  ['exists false on an object (not a leaf)', { detail: { location: [{ exists: false }] } }],
  ['array of objects: fields from one element', { detail: { items: { sku: ['b'], qty: [5] } } }],
  ['a value or a matcher', { detail: { state: ['running', { prefix: 'term' }] } }],
  ['$or', { source: ['aws.ec2'], $or: [{ detail: { state: ['running'] } }, { detail: { price: [{ numeric: ['>', 100] }] } }] }],
  ['the account and region', { account: ['111122223333'], region: ['us-west-1'] }],
  ['cidr', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }],
];

const notMatching: [string, unknown][] = [
  ['another source', { source: ['aws.s3'] }],
  ['case differs', { source: ['AWS.EC2'] }],
  ['one of two fields fails', { source: ['aws.ec2'], 'detail-type': ['other'] }],
  ['a missing field', { detail: { missing: ['x'] } }],
  ['a string against a number', { detail: { price: ['300'] } }],
  ['a number against a string', { detail: { zip: [75001] } }],
  ['true against "true"', { detail: { flag: ['true'] } }],
  ['an object value against a leaf pattern', { detail: { location: ['Paris'] } }],
  ['no array element', { detail: { tags: ['red'] } }],
  ['prefix', { source: [{ prefix: 'aws.s' }] }],
  ['prefix is case-sensitive', { detail: { name: [{ prefix: 'eventb' }] } }],
  ['suffix', { detail: { file: [{ suffix: '.png' }] } }],
  ['equals-ignore-case', { detail: { name: [{ 'equals-ignore-case': 'event' }] } }],
  ['wildcard', { detail: { file: [{ wildcard: '*.jpg' }] } }],
  ['anything-but the value', { detail: { state: [{ 'anything-but': 'terminated' }] } }],
  ['anything-but a list with the value', { detail: { state: [{ 'anything-but': ['running', 'terminated'] }] } }],
  ['anything-but a number', { detail: { price: [{ 'anything-but': [300] }] } }],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'term' } }] } }],
  ['anything-but suffix', { detail: { file: [{ 'anything-but': { suffix: '.PNG' } }] } }],
  ['anything-but equals-ignore-case', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'TERMINATED' } }] } }],
  ['anything-but a list of prefixes', { detail: { state: [{ 'anything-but': { prefix: ['run', 'term'] } }] } }],
  ['anything-but a list of wildcards', { detail: { file: [{ 'anything-but': { wildcard: ['*.jpg', 'dir/*'] } }] } }],
  ['anything-but on a missing field', { detail: { missing: [{ 'anything-but': 'x' }] } }],
  ['numeric below', { detail: { price: [{ numeric: ['<', 300] }] } }],
  ['numeric range', { detail: { price: [{ numeric: ['>', 300, '<', 400] }] } }],
  ['numeric on a string', { detail: { zip: [{ numeric: ['>', 0] }] } }],
  ['exists true on a missing field', { detail: { missing: [{ exists: true }] } }],
  ['exists true on an object (not a leaf)', { detail: { location: [{ exists: true }] } }],
  ['exists false on a present field', { detail: { state: [{ exists: false }] } }],
  ['array of objects: fields from different elements', { detail: { items: { sku: ['a'], qty: [5] } } }],
  ['cidr', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }],
  ['$or: no branch', { $or: [{ detail: { state: ['running'] } }, { detail: { price: [{ numeric: ['<', 100] }] } }] }],
];

describe('patterns that match', () => {
  for (const [name, p] of matching) it(name, async () => assert.equal(await test(p), true, JSON.stringify(p)));
});

describe('patterns that do not match', () => {
  for (const [name, p] of notMatching) it(name, async () => assert.equal(await test(p), false, JSON.stringify(p)));
});

describe('invalid patterns are refused at PutRule with AWS reasons', () => {
  const cases: [unknown, string][] = [
    ['["a"]', 'Filter is not an object'],
    ['{}', 'Empty objects are not allowed'],
    ['{"source":"aws.ec2"}', '"source" must be an object or an array'],
    ['{"source":[]}', 'Empty arrays are not allowed'],
    ['{"source":[["a"]]}', 'Match value must be String, number, true, false, or null'],
    ['{"source":[{}]}', 'Match expression name not found'],
    ['{"source":[{"prefix":1}]}', 'prefix match pattern must be a string'],
    ['{"source":[{"suffix":true}]}', 'suffix match pattern must be a string'],
    ['{"source":[{"prefix":"a","suffix":"b"}]}', 'Only one key allowed in match expression'],
    ['{"source":[{"regex":"a"}]}', 'Unrecognized match type regex'],
    ['{"n":[{"numeric":5}]}', 'Value of numeric must be an array.'],
    ['{"n":[{"numeric":["~",5]}]}', 'Unrecognized numeric range operator: ~'],
    ['{"n":[{"numeric":[">","5"]}]}', 'Value of > must be numeric'],
    ['{"n":[{"numeric":["=",5,"<",6]}]}', 'Too many elements in numeric expression'],
    ['{"n":[{"numeric":[">",5,">",6]}]}', 'Bad numeric range operator: >'],
    ['{"n":[{"exists":"yes"}]}', 'exists match pattern must be either true or false.'],
    ['{"n":[{"anything-but":["a",1]}]}', 'Inside anything but list, either all values are number or string, mixed type is not supported'],
    ['{"n":[{"anything-but":{"regex":"a"}}]}', 'Unsupported anything-but pattern: regex'],
    ['{"n":[{"anything-but":{"toString":"a"}}]}', 'Unsupported anything-but pattern: toString'],
    ['{"n":[{"anything-but":{"prefix":""}}]}', 'Null prefix/suffix not allowed'],
    ['{"n":[{"anything-but":true}]}', 'Value of anything-but must be an array or single string/number value.'],
    ['{"n":[{"anything-but":{"prefix":{"equals-ignore-case":"a"}}}]}', 'Value of anything-but must be an array or single string/number value.'],
    ['{"n":[{"anything-but":{"suffix":["a",1]}}]}', 'prefix/suffix match pattern must be a string'],
    ['{"n":[{"equals-ignore-case":1}]}', 'equals-ignore-case match pattern must be a string'],
    ['{"ip":[{"cidr":"10.0.0.0"}]}', "Malformed CIDR, one '/' required"],
    ['{"ip":[{"cidr":"xx.11.xx/8"}]}', 'Nonstandard IP address: xx.11.xx'],
    ['{"n":[{"wildcard":"a**b"}]}', 'Consecutive wildcard characters at pos 2'],
    ['{"$or":[{"a":["1"]}]}', 'There must have at least 2 Objects in $or relationship.'],
    ['{"$or":{"a":["1"]}}', 'It must be an Array followed with $or.'],
  ];
  for (const [pattern, reason] of cases)
    it(`${pattern} → ${reason}`, async () => {
      await assert.rejects(eb.send(new PutRuleCommand({ Name: 'bad', EventPattern: pattern as string })), (e: any) => {
        assert.equal(e.name, 'InvalidEventPatternException');
        assert.equal(e.$metadata.httpStatusCode, 400);
        assert.equal(e.message, `Event pattern is not valid. Reason: ${reason}`);
        return true;
      });
    });

  it('refuses a pattern that is not JSON', async () => {
    await assert.rejects(eb.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{source' })), (e: any) => e.name === 'InvalidEventPatternException' && /^Event pattern is not valid\. Reason: /.test(e.message));
  });

  it('TestEventPattern refuses an event without the envelope fields, an array and a string, with no reason given, as AWS does', async () => {
    for (const Event of ['{"source":"a"}', '{"testEvent":"value"}', '[1]', '"text"'])
      await assert.rejects(eb.send(new TestEventPatternCommand({ EventPattern: '{"source":["a"]}', Event })), (e: any) => {
        assert.equal(e.name, 'ValidationException');
        assert.equal(e.message, 'Parameter Event is not valid.');
        return true;
      });
  });
});
