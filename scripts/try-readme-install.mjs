// Runs the README's "Using Attaché from an app" commands as written: packs every package in this clone, then
// installs two tarballs into a scratch app with npm and calls them there. The build line is run only when
// a package has no dist/ yet (CI builds before this). Run on the pinned Node: `pnpm run try:readme-install`.
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const block = /## Using Attaché from an app[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
if (block === undefined) {
  console.error('README.md has no ```sh block under "## Using Attaché from an app"');
  process.exit(1);
}
const commands = block.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
const [build, pack, install] = commands;
if (
  commands.length !== 3 ||
  !build?.includes('pnpm build') ||
  !pack?.includes('pack') ||
  !install?.startsWith('npm install')
) {
  console.error(`README's install block is not build / pack / npm install:\n${block}`);
  process.exit(1);
}

const sh = (command, cwd) => {
  console.log(`$ ${command}`);
  execSync(command, { cwd, stdio: 'inherit', shell: '/bin/bash' });
};
const built = ['core', 'api-key', 'oauth-cc', 'hmac', 'mtls-node', 'testing', 'token-store-redis'].every(
  (dir) => existsSync(join(root, 'packages', dir, 'dist/index.js')),
);
if (!built) sh(build, root);
rmSync(join(root, '.tarballs'), { recursive: true, force: true });
sh(pack, root);

const app = mkdtempSync(join(tmpdir(), 'attache-app-'));
try {
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  sh(install.replaceAll('/path/to/attache', root), app);
  writeFileSync(
    join(app, 'main.js'),
    `import { createFetch, secret } from '@attache/core';
import { clientCredentialsAuth } from '@attache/oauth-cc';
const auth = clientCredentialsAuth({
  issuer: 'https://auth.example',
  clientId: 'app',
  clientSecret: secret('s3cret'),
});
const api = createFetch({ baseUrl: 'https://api.example', auth });
if (typeof api !== 'function') throw new TypeError('createFetch did not return a function');
console.log('the app imported @attache/core and @attache/oauth-cc from the tarballs');
`,
  );
  sh(`${JSON.stringify(process.execPath)} main.js`, app);
} finally {
  rmSync(app, { recursive: true, force: true });
}
