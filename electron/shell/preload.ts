/**
 * Preload (sandboxed, bundled as one CommonJS file): exposes `window.hypertcp` with one function
 * per API method plus onEvents/ackEvents/onStatus. ipcRenderer itself never crosses the bridge.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { MethodName } from '../../shared/api/contract';
import { buildBridge } from './bridge';

// methodNames of shared/api/contract.ts, inlined by vite.preload.config.ts so zod stays out of the preload.
declare const __HYPERTCP_METHODS__: readonly MethodName[];

contextBridge.exposeInMainWorld('hypertcp', buildBridge(ipcRenderer, __HYPERTCP_METHODS__));
