// The API-key HMAC interop test runs a verifier and a signer written with Python 3's standard library (an
// independent implementation of the scheme). Install Debian's python3 when it is missing and we are allowed to.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('/usr/bin/python3')) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('python3 not found: installing it from Debian packages (apt-get install python3)…');
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3', {
      stdio: 'inherit',
    });
  } else {
    console.error('python3 not found. Install it (Debian/Ubuntu: sudo apt-get install -y python3).');
    process.exit(1);
  }
}
