import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPostgresUserCanReach, EmbeddedDatabaseError } from './embedded-database';

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('checkPostgresUserCanReach', () => {
  let base: string;

  beforeEach(() => {
    // mktemp -d makes a directory only its owner may enter, as a clone into one would be.
    base = mkdtempSync(join(tmpdir(), 'agentry-reach-'));
    mkdirSync(join(base, 'project', 'bin'), { recursive: true });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it(asRoot ? 'names the directory the postgres user cannot enter, and how to fix it' : 'has nothing to check when not running as root', () => {
    const check = () => checkPostgresUserCanReach([{ label: 'the PostgreSQL binaries', path: join(base, 'project', 'bin') }]);
    if (!asRoot) {
      expect(check).not.toThrow();
      return;
    }
    expect(check).toThrow(EmbeddedDatabaseError);
    expect(check).toThrow(`cannot enter ${join(base, 'project', 'bin')} (the PostgreSQL binaries)`);
    expect(check).toThrow(/chmod o\+x.*DATABASE_URL/);
  });

  it('passes once every directory on the way can be entered', () => {
    chmodSync(base, 0o755);
    expect(() => checkPostgresUserCanReach([{ label: 'the data directory', path: join(base, 'project', 'bin') }])).not.toThrow();
  });
});
