// The layering of docs/ARCHITECTURE.md as ESLint rules; tools/layering.test.ts proves they bite.
const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'tls', 'dgram', 'crypto', 'child_process', 'http', 'https', 'stream', 'events', 'worker_threads', 'zlib', 'url', 'util', 'buffer'];

const pattern = (group, message) => ({ group, message });

const noNode = pattern(nodeBuiltins, 'Node built-ins are not allowed in this layer.');
const noElectron = pattern(['electron', 'electron/*'], "Only electron/shell/ may import 'electron'.");
const noElectronDir = pattern(['**/electron/**', '../electron', '../../electron'], 'This layer may not import main-process code from electron/.');
const noRendererDir = pattern(['**/renderer/**', '../renderer', '../../renderer'], 'This layer may not import the UI from renderer/.');

export const layeringRules = [
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noNode, noElectron, noElectronDir, noRendererDir] }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noNode, noElectron, noElectronDir] }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/shell/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noElectron, noRendererDir] }] },
  },
  {
    files: ['electron/shell/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noRendererDir] }] },
  },
];
