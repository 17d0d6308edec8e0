// The independent authorization server in oauth-cc's tests is a small Flask app on Python Authlib from
// Debian's packages (python3-authlib, python3-flask). Installs them when missing and we are allowed to, and
// prints the interpreter that imports them: Debian's /usr/bin/python3, since a `python3` first on PATH (pyenv,
// a virtualenv) does not see Debian's packages. `PYTHON` overrides it. oauth-cc's test runs this script.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PACKAGES = ['python3-authlib', 'python3-flask'];
const python = process.env.PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

function importable() {
  try {
    execFileSync(python, ['-c', 'import authlib, flask'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!importable()) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.error(`Python Authlib not found: installing it from Debian packages (${PACKAGES.join(' ')})…`);
    execSync(
      `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${PACKAGES.join(' ')}`,
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  if (!importable()) {
    console.error(
      `Python Authlib and Flask are missing for ${python}. Install them (Debian/Ubuntu: sudo apt-get install -y ${PACKAGES.join(' ')}) or set PYTHON.`,
    );
    process.exit(1);
  }
}
console.log(python);
