/**
 * Prints a demo bearer token (HS256 JWT signed with JWT_SECRET from the configuration):
 *   npm run token -- --user u1            a user token (may read u1's recommendations, write u1's interactions)
 *   npm run token -- --admin              an admin token (sub "admin")
 *   npm run token -- --user ops --admin   an admin token with sub "ops"
 *   --expires 7d                           lifetime (default 7d)
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { signToken } from '../api/auth';

/** Parses the arguments and prints the token on stdout (nothing else, so it can be captured). */
export function main(argv: string[] = process.argv.slice(2)): void {
  const { values } = parseArgs({
    args: argv,
    options: { user: { type: 'string' }, admin: { type: 'boolean', default: false }, expires: { type: 'string', default: '7d' } },
    strict: true,
  });
  if (!values.user && !values.admin) {
    throw new Error('token: pass --user <id> for a user token or --admin for an admin token');
  }
  if (!/^\d+[smhdw]?$/.test(values.expires!)) throw new Error(`token: --expires must look like 3600, 30m, 12h or 7d, got "${values.expires}"`);
  const config = loadConfig();
  const sub = values.user ?? 'admin';
  const expires = /^\d+$/.test(values.expires!) ? Number(values.expires) : values.expires;
  process.stdout.write(signToken({ sub, role: values.admin ? 'admin' : 'user' }, config.jwtSecret, expires as never) + '\n');
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
