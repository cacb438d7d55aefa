// A module that is nobody's code: a stem cell imports it while it waits for its function, so that
// the ES module loader's paths for files are ready when the function's own module is imported
// (bootstrap.ts rehearse()).
export const handler = async (): Promise<number> => 1;
