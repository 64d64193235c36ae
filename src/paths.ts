import path from 'node:path';

/**
 * The project's root folder (where package.json, cypher/, schema/ and scripts/ are), whether this code runs
 * from src/ (ts-jest, tsx) or compiled from dist/src/.
 */
export const PROJECT_ROOT = path.resolve(__dirname, '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []));
