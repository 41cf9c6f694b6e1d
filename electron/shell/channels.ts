/** IPC channel names shared by the main-side binding (ipc.ts) and the preload (bridge.ts). */
export const CHANNELS = { call: 'api:call', subscribe: 'api:subscribe', events: 'api:events', ack: 'api:ack', status: 'api:status' } as const;
