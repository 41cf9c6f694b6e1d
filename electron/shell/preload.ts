/**
 * Preload (sandboxed, bundled as one CommonJS file): exposes `window.hypertcp` with one function
 * per API method plus onEvents/ackEvents/onStatus. ipcRenderer itself never crosses the bridge.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from './bridge';

contextBridge.exposeInMainWorld('hypertcp', buildBridge(ipcRenderer));
