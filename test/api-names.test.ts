/**
 * FunctionName and Qualifier validation through a real server and the real SDK, case by case as
 * AWS answered them (LocalStack's AWS-validated recording of
 * test_function_name_and_qualifier_validation: GetFunction, DeleteFunction, Invoke, CreateFunction).
 */
import { CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rejects, ROLE } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { HELLO_NODE, makeZip } from './helpers/zip.js';

let s: TestServer;
let zip: Buffer;

before(async () => {
  s = await startTestServer();
  zip = await makeZip(HELLO_NODE);
});

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const NAMESPACED =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';
const PLAIN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
const QUALIFIER = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';

type Op = 'get' | 'delete' | 'invoke' | 'create';
interface Case {
  FunctionName: string;
  Qualifier?: string;
}

/** Call `op` as the recording did (Create gets `name:qualifier` as its FunctionName). */
function call(op: Op, c: Case): Promise<unknown> {
  switch (op) {
    case 'get':
      return s.client.send(new GetFunctionCommand(c));
    case 'delete':
      return s.client.send(new DeleteFunctionCommand(c));
    case 'invoke':
      return s.client.send(new InvokeCommand(c));
    case 'create':
      return s.client.send(new CreateFunctionCommand({
        FunctionName: c.Qualifier ? `${c.FunctionName}:${c.Qualifier}` : c.FunctionName,
        Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip },
      }));
  }
}

/** The recording's summary of an error: the code and the sorted violations, or the code and the message. */
function summary(err: { name: string; message: string }): { code: string; errors?: string[]; message?: string } {
  const found = err.message.match(/Value '.*?' at '.*?' failed to satisfy constraint: .+?(?=;|$)/g);
  return found ? { code: err.name, errors: [...found].sort() } : { code: err.name, message: err.message };
}

const pattern = (value: string, p: string, path = 'functionName') => `Value '${value}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${p}`;
const length = (value: string, max: number, path = 'functionName') => `Value '${value}' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${max}`;
const invalid = (value: string, forCreate = value) => ({
  get: { code: 'ValidationException', errors: [pattern(value, NAMESPACED)] },
  delete: { code: 'ValidationException', errors: [pattern(value, NAMESPACED)] },
  invoke: { code: 'ValidationException', errors: [pattern(value, NAMESPACED)] },
  create: { code: 'ValidationException', errors: [pattern(forCreate, PLAIN)] },
});

const a = (n: number) => 'a'.repeat(n);
const longRegion = `arn:aws:lambda:invalid-region:000000000000:function:my-function${a(170)}`;
const longBoth = `arn:aws:lambda:invalid-region:000000000000:function:my-function-${a(170)}`;

const CASES: [string, Case, Partial<Record<Op, ReturnType<typeof summary>>>][] = [
  ['invalid characters in the name', { FunctionName: 'my-function!' }, invalid('my-function!')],
  ['a single invalid character', { FunctionName: '*' }, invalid('*')],
  ['invalid characters in the qualifier', { FunctionName: 'my-function', Qualifier: 'invalid!' }, {
    get: { code: 'ValidationException', errors: [pattern('invalid!', QUALIFIER, 'qualifier')] },
    delete: { code: 'ValidationException', errors: [pattern('invalid!', QUALIFIER, 'qualifier')] },
    invoke: { code: 'ValidationException', errors: [pattern('invalid!', QUALIFIER, 'qualifier')] },
    create: { code: 'ValidationException', errors: [pattern('my-function:invalid!', PLAIN)] },
  }],
  ['a qualifier too long', { FunctionName: 'my-function', Qualifier: a(129) }, {
    get: { code: 'ValidationException', errors: [length(a(129), 128, 'qualifier')] },
    delete: { code: 'ValidationException', errors: [length(a(129), 128, 'qualifier')] },
    invoke: { code: 'ValidationException', errors: [length(a(129), 128, 'qualifier')] },
    create: { code: 'ValidationException', errors: [length(`my-function:${a(129)}`, 140)] },
  }],
  ['an invalid account in a partial ARN', { FunctionName: 'invalid-account:function:my-function' }, invalid('invalid-account:function:my-function')],
  ['an invalid region', { FunctionName: `${ARN.replace('us-east-1', 'invalid-region')}:my-function` }, invalid(`${ARN.replace('us-east-1', 'invalid-region')}:my-function`)],
  ['a non-Lambda ARN', { FunctionName: 'arn:aws:ec2:us-east-1:000000000000:instance:i-1234567890abcdef0' }, invalid('arn:aws:ec2:us-east-1:000000000000:instance:i-1234567890abcdef0')],
  ['a 65-character name', { FunctionName: a(65) }, {
    get: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:${a(65)}` },
    delete: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:${a(65)}` },
    // An unqualified invoke of a missing function names $LATEST.
    invoke: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:${a(65)}:$LATEST` },
    // AWS words it as a validation error but sends an InvalidParameterValueException.
    create: { code: 'InvalidParameterValueException', errors: [length(a(65), 64)] },
  }],
  ['a long name in an invalid region', { FunctionName: longRegion }, {
    get: { code: 'ValidationException', errors: [pattern(longRegion, NAMESPACED)] },
    delete: { code: 'ValidationException', errors: [pattern(longRegion, NAMESPACED)] },
    invoke: { code: 'ValidationException', errors: [pattern(longRegion, NAMESPACED)] },
    create: { code: 'ValidationException', errors: [length(longRegion, 140), pattern(longRegion, PLAIN)].sort() },
  }],
  ['a long name in an invalid region and a long qualifier', { FunctionName: longBoth, Qualifier: a(129) }, {
    get: { code: 'ValidationException', errors: [length(a(129), 128, 'qualifier'), pattern(longBoth, NAMESPACED)].sort() },
    delete: { code: 'ValidationException', errors: [length(a(129), 128, 'qualifier'), pattern(longBoth, NAMESPACED)].sort() },
    invoke: { code: 'ValidationException', errors: [length(a(129), 128, 'qualifier'), pattern(longBoth, NAMESPACED)].sort() },
    create: { code: 'ValidationException', errors: [length(`${longBoth}:${a(129)}`, 140), pattern(`${longBoth}:${a(129)}`, PLAIN)].sort() },
  }],
  ['a full ARN with two qualifiers', { FunctionName: `${ARN}:my-function:1:2` }, invalid(`${ARN}:my-function:1:2`)],
  ['an incomplete ARN', { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function' }, {
    get: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:function` },
    delete: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:function` },
    invoke: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:function:$LATEST` },
  }],
  ['a partial ARN with an extra qualifier', { FunctionName: 'function:my-function:$LATEST:extra' }, invalid('function:my-function:$LATEST:extra')],
  ['$LATEST in the name and another qualifier', { FunctionName: `${ARN}:my-function:$LATEST`, Qualifier: '1' }, {
    get: { code: 'InvalidParameterValueException', message: 'The derived qualifier from the function name does not match the specified qualifier.' },
    delete: { code: 'InvalidParameterValueException', message: 'The derived qualifier from the function name does not match the specified qualifier.' },
    invoke: { code: 'InvalidParameterValueException', message: 'The derived qualifier from the function name does not match the specified qualifier.' },
    create: { code: 'ValidationException', errors: [pattern(`${ARN}:my-function:$LATEST:1`, PLAIN)] },
  }],
  ['a lower-case $latest', { FunctionName: `${ARN}:my-function`, Qualifier: '$latest' }, {
    get: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:my-function:$latest` },
    // Delete looks a `$` qualifier up as a version: the function is missing, named unqualified.
    delete: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:my-function` },
    invoke: { code: 'ResourceNotFoundException', message: `Function not found: ${ARN}:my-function:$latest` },
    create: { code: 'ValidationException', errors: [pattern(`${ARN}:my-function:$latest`, PLAIN)] },
  }],
  ['a missing region', { FunctionName: 'arn:aws:lambda::000000000000:function:my-function' }, invalid('arn:aws:lambda::000000000000:function:my-function')],
  ['a missing account', { FunctionName: 'arn:aws:lambda:us-east-1::function:my-function' }, invalid('arn:aws:lambda:us-east-1::function:my-function')],
  ['a misspelled $LATEST', { FunctionName: `${ARN}:my-function:$LATES` }, invalid(`${ARN}:my-function:$LATES`)],
];

describe('FunctionName and Qualifier validation, as AWS answers it', () => {
  for (const [what, c, expected] of CASES) {
    for (const [op, want] of Object.entries(expected) as [Op, ReturnType<typeof summary>][]) {
      it(`${op}: ${what}`, async () => {
        const err = await rejects(() => call(op, { ...c }));
        assert.deepEqual(summary(err), want);
      });
    }
  }

  it('a qualifier that reads as an alias is refused by DeleteFunction before the function is looked up', async () => {
    const err = await rejects(() => s.client.send(new DeleteFunctionCommand({ FunctionName: 'my-function', Qualifier: a(65) })));
    assert.equal(err.message, 'Deletion of aliases is not currently supported.');
  });

  it('names the qualifier in one ValidationException with the other violations', async () => {
    const err = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'bad!', Qualifier: 'bad!' })));
    assert.equal(err.message, `2 validation errors detected: ${pattern('bad!', NAMESPACED)}; ${pattern('bad!', QUALIFIER, 'qualifier')}`);
  });
});
