// The proxy tests of @attache/mtls-node start a real forward proxy: Debian's tinyproxy. Install it when
// missing and we are allowed to (root with apt-get), as ensure-chromium.mjs does for the browser tests.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.TINYPROXY_PATH || '/usr/bin/tinyproxy';
if (!existsSync(path)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (isRoot && hasApt) {
    console.log('tinyproxy not found: installing it from Debian packages (apt-get install tinyproxy)…');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tinyproxy', {
      stdio: 'inherit',
    });
  } else {
    console.error('tinyproxy not found. Install it (Debian/Ubuntu: sudo apt-get install -y tinyproxy).');
    process.exit(1);
  }
}
