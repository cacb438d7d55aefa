// Floor for bench/wake.ts: the least a Node process can do per invocation on the runtime channel.
// It answers every Invoke frame with an empty Response and a Next, parsing nothing; what it costs
// per invocation is Node's own price for being woken (event loop, stream, one read, one write).
import { Socket } from 'node:net';

const NEXT = Buffer.from([0x4e, 0, 0, 0, 0, 0, 0, 0, 0]);
const ANSWER = Buffer.concat([Buffer.from([0x52, 0, 0, 0, 0, 0, 0, 0, 0]), NEXT]);
const channel = new Socket({ fd: 3, readable: true, writable: true });
// The driver sends one small frame and waits for the Next: one read is one Invoke.
channel.on('data', () => channel.write(ANSWER));
channel.write(NEXT);
