// ESLint's and typescript-eslint's recommended rules, without type information (fast enough to
// run on every CI build); `tsc --noEmit` (strict) does the type checking.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a parameter or binding kept for its position or to omit a field.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // A `let` assigned once after the closures that read it are made (a server's handlers) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Finding and escaping control characters in hostile values is what several regexes are for.
      'no-control-regex': 'off',
    },
  },
  {
    // The launchers in bin/ are plain Node.js ES modules.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The console's browser script: a classic script beside Chart.js's UMD build, which defines `Chart`.
    files: ['console/assets/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly', Chart: 'readonly' } },
  },
);
