// Installs the Debian packages listed in debian-packages.txt that are missing, when we are root on a
// Debian-like system; otherwise says what to install. Tests start these as real peers on loopback.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const list = readFileSync(new URL('./debian-packages.txt', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim())
  .filter(Boolean);

function installed(name) {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query expands ${Status} itself
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return status.includes('install ok installed');
  } catch {
    return false;
  }
}

const missing = existsSync('/usr/bin/dpkg-query') ? list.filter((name) => !installed(name)) : list;
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(`Installing Debian packages the tests need: ${missing.join(' ')}`);
    execSync(
      `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`,
      {
        stdio: 'inherit',
      },
    );
  } else {
    console.error(
      `Missing Debian packages the tests need: ${missing.join(' ')} (sudo apt-get install -y ${missing.join(' ')})`,
    );
    process.exit(1);
  }
}
