import type { HostNotice } from './contract';

/**
 * A notice that outlasts the plain ones when a bound is reached (the host's per-subscriber queue, the
 * panel's list): an offline alert or an error, over the chatter of a failed login each.
 */
export const outlastsOthers = (n: Pick<HostNotice, 'alert' | 'level'>): boolean => n.alert !== undefined || n.level === 'error';
