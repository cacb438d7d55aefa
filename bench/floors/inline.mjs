// Floor: the handler called inline in a plain node:http server (no process hop, no isolation).
import { handlerServer } from './handler-server.mjs';

const server = handlerServer();
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
