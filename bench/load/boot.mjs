// Worker-thread entry: Node 20 does not hand tsx's loader to worker threads, so load the TS
// module through tsx's API. workerData.entry is relative to this file.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
