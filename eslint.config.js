// Lint config. The layering rules below are the architecture (docs/ARCHITECTURE.md):
// shared/ is environment-free, renderer/ never reaches Node or Electron, and only the shell
// files in electron/shell/ may import 'electron', so the rest of electron/ runs in plain Node.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { layeringRules } from './tools/layering.js';

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'firmware/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  ...layeringRules,
);
