/**
 * InputTransformer tables: what a target receives for a template, checked against what AWS
 * delivered for the same template and event (LocalStack's AWS-validated recordings of
 * test_events_inputs.py, which put the event below through a rule to an SQS queue).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from '../src/events/bridge/transform.js';

const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'core.update-account-command',
  source: 'core.update-account-command',
  account: '111111111111',
  time: '2024-05-01T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    command: 'update-account',
    payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' },
    listsingle: ['HIGH'],
    listmulti: ['ACTIVE', 'INACTIVE'],
    valid: true,
  },
};
const paths = {
  userId: '$.detail.payload.acc_id',
  payload: '$.detail.payload',
  systemstring: '$.detail.awsAccountId', // selects nothing
  listsingle: '$.detail.listsingle',
  listmulti: '$.detail.listmulti',
  valid: '$.detail.valid',
};
const ctx = { ruleArn: 'arn:aws:events:us-east-1:111111111111:rule/r', ruleName: 'r', ingestionTime: '2024-05-01T10:00:01Z' };
const fill = (template: string) => render(template, paths, event, ctx);

describe('string templates (not starting with { or [)', () => {
  const table: [string, string][] = [
    ['"<listsingle> single list item"', '"[HIGH] single list item"'],
    ['"<listmulti> multiple list items"', '"[ACTIVE,INACTIVE] multiple list items"'],
    ['"Payload of <payload> with path users-service/users/<userId> and <userId>"', '"Payload of {acc_id:0a787ecb-4015,sf_id:baz} with path users-service/users/0a787ecb-4015 and 0a787ecb-4015"'],
    [
      '"<listsingle> single list item <listmulti> multiple list items <systemstring> system account id <payload> payload <userId> user id"',
      '"[HIGH] single list item [ACTIVE,INACTIVE] multiple list items  system account id {acc_id:0a787ecb-4015,sf_id:baz} payload 0a787ecb-4015 user id"',
    ],
    [
      '"<listsingle> single list item"\n"<listmulti> multiple list items"\n"<systemstring> system account id"\n"<payload> payload"\n"<userId> user id"',
      '"[HIGH] single list item"\n"[ACTIVE,INACTIVE] multiple list items"\n" system account id"\n"{acc_id:0a787ecb-4015,sf_id:baz} payload"\n"0a787ecb-4015 user id"',
    ],
    ['"Command is <valid>!"', '"Command is true!"'],
    ['"{[/Check with special starting characters for <userId>"', '"{[/Check with special starting characters for 0a787ecb-4015"'],
  ];
  for (const [template, want] of table) it(template, () => assert.equal(fill(template), want));
});

describe('JSON templates', () => {
  const table: [string, unknown][] = [
    ['{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}', { method: 'PUT', path: 'users-service/users/0a787ecb-4015', bod: { acc_id: '0a787ecb-4015', sf_id: 'baz' } }],
    ['{"id" : <userId>}', { id: '0a787ecb-4015' }],
    ['{"id" : "<userId>"}', { id: '0a787ecb-4015' }],
    ['{"method": "PUT", "path": "users-service/users/<userId>", "bod": [<userId>, "hardcoded"]}', { method: 'PUT', path: 'users-service/users/0a787ecb-4015', bod: ['0a787ecb-4015', 'hardcoded'] }],
    ['{"nested": {"level1": {"level2": {"level3": "users-service/users/<userId>"} } }, "bod": "<userId>"}', { nested: { level1: { level2: { level3: 'users-service/users/0a787ecb-4015' } } }, bod: '0a787ecb-4015' }],
    ['{"singlelistitem": <listsingle>}', { singlelistitem: ['HIGH'] }],
    ['{"multi_replacement": "users/<userId>/second/<userId>"}', { multi_replacement: 'users/0a787ecb-4015/second/0a787ecb-4015' }],
    ['[<valid>, "<valid>"]', [true, 'true']],
  ];
  for (const [template, want] of table) it(template, () => assert.deepEqual(JSON.parse(fill(template)!), want));

  it('a path that selects nothing is "" outside quotes (test_put_events_with_input_transformer_input_template_json)', () => {
    const out = render('{"detailType": <detail-type>, "command": <command>}', { 'detail-type': '$.detail-type', command: '$.detail.notinmessage' }, event, ctx);
    assert.deepEqual(JSON.parse(out!), { detailType: 'core.update-account-command', command: '' });
  });

  // AWS accepts these at PutTargets, matches the event, and delivers nothing.
  for (const template of [
    '{"payload": "<payload>"}',
    '{"singlelistitem": "<listsingle>"}',
    '{"not_valid": "users-service/users/<payload>", "bod": <payload>}',
    '{"event": "<aws.events.event.json>"}',
  ])
    it(`${template} delivers nothing`, () => assert.equal(fill(template), undefined));
});

describe('predefined variables', () => {
  it('<aws.events.event> is the event without detail, detailType camelCase, in AWS order; <aws.events.event.json> the whole event', () => {
    const out = fill('{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}')!;
    const { id, account, time, source, region, resources, version } = event;
    // Compared as text: the key order is part of what AWS delivers.
    assert.equal(out, `{"originalEvent": ${JSON.stringify({ id, account, detailType: event['detail-type'], time, source, region, resources, version })}, "originalEventJson": ${JSON.stringify(event)}}`);
    assert.deepEqual(Object.keys(JSON.parse(out).originalEvent), ['id', 'account', 'detailType', 'time', 'source', 'region', 'resources', 'version']);
  });

  it('the rule ARN, the rule name and the ingestion time in a string', () => {
    assert.equal(
      fill('"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"'),
      '"Message containing all pre defined variables arn:aws:events:us-east-1:111111111111:rule/r r 2024-05-01T10:00:01Z"',
    );
  });
});
