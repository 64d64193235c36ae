import fs from 'node:fs';
import path from 'node:path';
import { schemaSdl } from './server';
import { PROJECT_ROOT } from '../paths';

/** Path of the committed SDL (a test fails when it drifts from the code). */
export const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schema', 'schema.graphql');

/** Writes the schema's SDL to schema/schema.graphql and returns the path. */
export async function emitSchema(file = SCHEMA_FILE): Promise<string> {
  fs.writeFileSync(file, await schemaSdl());
  return file;
}

if (require.main === module) {
  emitSchema().then((f) => process.stdout.write(`wrote ${f}\n`)).catch((err) => {
    process.stderr.write(`emitSchema: ${(err as Error).stack}\n`);
    process.exit(1);
  });
}
