// The headless binding's WebSocket as plain values, for the host (electron/host/ws-binding.ts) and
// the page (renderer/src/api/ws-client.ts) alike; its messages are typed in contract.ts.

/** The headless binding's WebSocket: path, subprotocol (beside `token.<admin token>`), message cap. */
export const WS_PATH = '/api';
export const WS_PROTOCOL = 'hypertcp.v1';
export const WS_MAX_MESSAGE = 64 * 1024;
/**
 * Close codes of a socket the host accepts only to say why it serves nothing on it (a browser shows
 * a page no HTTP status of a refused upgrade): the admin token was wrong or missing (the page stops
 * retrying), or the host has as many API sockets open as it serves (retried).
 */
export const CLOSE_BAD_TOKEN = 4401;
export const CLOSE_TRY_LATER = 1013;
