import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout: where `npm ci` provisions tools, builds the workflow bundle, and finds the samples. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
