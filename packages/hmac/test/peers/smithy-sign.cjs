// Signs requests with the AWS SDK's signer, @smithy/signature-v4, in a plain Node process (its `module` builds
// use extension-less imports that the test runner's resolver refuses). Reads a JSON list on stdin, writes the
// signed headers and query of each.
const { Hash } = require('@smithy/hash-node');
const { HttpRequest } = require('@smithy/protocol-http');
const { SignatureV4 } = require('@smithy/signature-v4');

async function main() {
  let input = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) input += chunk;
  const out = [];
  for (const job of JSON.parse(input)) {
    const signer = new SignatureV4({
      credentials: job.credentials,
      region: job.region,
      service: job.service,
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: job.uriEscapePath,
    });
    const request = new HttpRequest({
      ...job.request,
      ...(job.body === undefined ? {} : { body: Buffer.from(job.body, 'base64') }),
    });
    const date = new Date(job.date);
    const signed =
      job.location === 'query'
        ? await signer.presign(request, { signingDate: date, expiresIn: job.expiresIn })
        : await signer.sign(request, { signingDate: date });
    out.push({ headers: signed.headers, query: signed.query });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
