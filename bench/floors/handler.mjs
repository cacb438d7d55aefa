// The hello-world handler every target runs.
export const handler = async (event) => ({ hello: event?.name ?? 'world' });
