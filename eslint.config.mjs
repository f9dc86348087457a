import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Besides the usual checks, this enforces the import rule of DESIGN.md: imports flow
 * providers -> functions -> shared, never back, and cloud SDKs and trigger types appear only
 * under providers/.
 */
const CLOUD_SDKS = [
  '@aws-sdk/*', '@smithy/*', 'aws-sdk', 'aws-lambda', '@types/aws-lambda',
  '@azure/*', '@google-cloud/*', 'firebase-admin', 'googleapis',
];
const cloudMessage = 'Cloud SDKs and trigger types belong in providers/ only (DESIGN.md section 2).';
/** Drivers of servers a deployment runs (databases, brokers): real implementations of ports. */
const SERVER_CLIENTS = ['pg', 'pg-*', '@types/pg', 'ioredis', 'redis', 'better-sqlite3', 'mysql2', 'mariadb', 'amqplib', 'nats', 'kafkajs'];
const serverMessage = 'Database and broker clients belong in providers/ only (DESIGN.md section 2).';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.serverless/**', 'coverage/**', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: CLOUD_SDKS, message: cloudMessage },
          { group: SERVER_CLIENTS, message: serverMessage },
          { group: ['**/functions/**', '**/providers/**'], message: 'shared/ imports only shared/ and pure libraries.' },
        ],
      }],
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: CLOUD_SDKS, message: cloudMessage },
          { group: SERVER_CLIENTS, message: serverMessage },
          { group: ['**/providers/**'], message: 'functions/ import shared/ only.' },
        ],
      }],
    },
  },
  {
    // The core is deterministic: time and environment come in through deps (DESIGN.md section 2).
    files: ['shared/**/*.ts', 'functions/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Use deps.clock.now().' },
        { object: 'process', property: 'env', message: 'Read configuration in a provider composition root.' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
  {
    files: ['**/*.cjs', '**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
