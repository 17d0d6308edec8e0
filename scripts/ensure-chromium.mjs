// Browser tests run in a real Chromium, and some tests start real peers from Debian packages (nginx as a
// TLS-terminating proxy). Debian's packages are the ones that work here (a test tool's own browser download
// cannot), so install what is missing when we are allowed to.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** One line per Debian package: the file that shows it is installed, and what needs it. */
const SYSTEM_PACKAGES = [
  { name: 'chromium', path: process.env.CHROMIUM_PATH || '/usr/bin/chromium', for: 'browser tests' },
  { name: 'nginx', path: '/usr/sbin/nginx', for: 'mtls-node proxy tests' },
];

const missing = SYSTEM_PACKAGES.filter((pkg) => !existsSync(pkg.path));
if (missing.length > 0) {
  const names = missing.map((pkg) => pkg.name).join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (isRoot && hasApt) {
    console.log(`Not found: ${names}. Installing from Debian packages (apt-get install ${names})…`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${names}`, {
      stdio: 'inherit',
    });
  } else {
    for (const pkg of missing) console.error(`${pkg.name} not found at ${pkg.path} (needed by ${pkg.for}).`);
    console.error(
      `Install them (Debian/Ubuntu: sudo apt-get install -y ${names})${missing.some((pkg) => pkg.name === 'chromium') ? ' or set CHROMIUM_PATH' : ''}.`,
    );
    process.exit(1);
  }
}
