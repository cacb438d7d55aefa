// import() for the runtime's other modules. They run from one precompiled bundle (start.ts), and
// code compiled that way has no ES module loader behind its import(); this file is loaded by
// Node's own module loader, so its import() has one.

/** Imports an ES module by URL (a file: or data: URL). */
export const importModule = (url: string): Promise<unknown> => import(url);
