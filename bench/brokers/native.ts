/**
 * Child process: the C++ forwarder (bench/native/forwarder.cpp) on its own thread in this Node
 * process. The bare forwarder's protocol and work, without Node on the data path: the yardstick
 * for what a native data path in our process would give (issue 3's p99 at a fixed rate).
 */
import { serveTokenlessOn } from './child-ipc';

const addon = { exports: {} as { listen(): number } };
process.dlopen(addon, process.argv[2] ?? '');
// the forwarder's thread ends with this process, which the coordinator stops
serveTokenlessOn(addon.exports.listen());
