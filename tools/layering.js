// The layering of docs/ARCHITECTURE.md as ESLint rules; tools/layering.test.ts proves they bite.
const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'tls', 'dgram', 'crypto', 'child_process', 'http', 'https', 'stream', 'events', 'worker_threads', 'zlib', 'url', 'util', 'buffer'];

const pattern = (group, message) => ({ group, message });

const noNode = pattern(nodeBuiltins, 'Node built-ins are not allowed in this layer.');
const noElectron = pattern(['electron', 'electron/*'], "Only electron/shell/ may import 'electron'.");
const noElectronDir = pattern(['**/electron/**', '../electron', '../../electron'], 'This layer may not import main-process code from electron/.');
const noRendererDir = pattern(['**/renderer/**', '../renderer', '../../renderer'], 'This layer may not import the UI from renderer/.');

// The schema library is the host's: the UI checks input against shared/api/limits.ts (plain data
// the schemas are built from) and takes only types from contract.ts, which keeps zod out of its bundle.
const noSchemaLibrary = pattern(['zod', 'zod/*'], "The UI takes no schema library: check input with shared/api/limits.ts.");
const contractTypesOnly = { group: ['**/shared/api/contract'], allowTypeImports: true, message: 'The UI imports only types from contract.ts (its values would bring zod into the bundle): plain data is in shared/api/limits.ts.' };

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
    // what ships in the bundle (tests may build their fixtures with the schemas)
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx', 'renderer/src/test-utils.tsx'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [noSchemaLibrary, contractTypesOnly] }] },
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
