// `pnpm test` runs against real peers: Chromium for the browser project, redis-server, openssl, nginx,
// tinyproxy and a Python OAuth server (Authlib + Flask) for the node project. They come from Debian's
// packages (a test tool's own browser download cannot work here), so this installs whichever are missing,
// with a single `apt-get update`, and fails loudly when it cannot: a suite must never skip for want of one.
// Plain .mjs on purpose: it runs before anything is built, on whatever Node `pnpm run` provides.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(':')
    .concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin'])
    .some((dir) => dir !== '' && existsSync(`${dir}/${name}`));
// Debian's python3-* packages land in /usr/bin/python3's path, which need not be the first python3 on PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const pythonHas = (module) => spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;

/** Debian package → how to tell it is already there (another source, e.g. CHROMIUM_PATH, counts too). */
const packages = [
  ['chromium', () => existsSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium')],
  ['redis-server', () => onPath('redis-server')],
  ['openssl', () => onPath('openssl')],
  ['nginx', () => onPath('nginx')],
  ['tinyproxy', () => onPath('tinyproxy')],
  ['python3-flask', () => pythonHas('flask')],
  ['python3-authlib', () => pythonHas('authlib')],
];

const missing = packages.filter(([, present]) => !present()).map(([name]) => name);
if (missing.length === 0) process.exit(0);

const list = missing.join(' ');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
const canSudo = !isRoot && hasApt && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
if (!hasApt || !(isRoot || canSudo)) {
  console.error(
    `The tests need ${list}, which ${missing.length === 1 ? 'is' : 'are'} missing and cannot be installed ` +
      `from here: install ${missing.length === 1 ? 'it' : 'them'} (Debian/Ubuntu: sudo apt-get install -y ${list}).`,
  );
  process.exit(1);
}

console.log(`Installing the Debian packages the tests need: ${list}`);
const apt = (args) => {
  const command = isRoot ? 'apt-get' : 'sudo';
  const argv = isRoot ? args : ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  execFileSync(command, argv, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
};
try {
  apt(['update', '-qq']);
  // The tests start their own nginx/redis/tinyproxy on free ports, so the packages' services are not needed;
  // where a package's install starts one anyway, it is left as the package set it up.
  apt(['install', '-y', '-qq', ...missing]);
} catch {
  console.error(
    `apt-get could not install ${list}: the tests cannot run without ${missing.length === 1 ? 'it' : 'them'}.`,
  );
  process.exit(1);
}
const stillMissing = packages.filter(([name, present]) => missing.includes(name) && !present());
if (stillMissing.length > 0) {
  console.error(`After apt-get, still missing: ${stillMissing.map(([name]) => name).join(' ')}.`);
  process.exit(1);
}
