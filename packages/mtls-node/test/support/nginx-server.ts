import { runNginx } from '../../../../test/support/nginx.ts';

/** A real nginx terminating TLS on loopback and checking client certificates, as partners' proxies do. */
export interface NginxServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts Debian's nginx in `dir` with `ssl_verify_client on`: a request without a client certificate gets
 * HTTP 400 "No required SSL certificate was sent", one whose certificate does not verify against `caPath` gets
 * HTTP 400 "The SSL certificate error". `/` answers 200; `/plain-400` answers an ordinary 400.
 */
export async function startNginx(options: {
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath: string;
}): Promise<NginxServer> {
  const nginx = await runNginx(
    options.dir,
    (port) => `  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${options.certPath};
    ssl_certificate_key ${options.keyPath};
    ssl_client_certificate ${options.caPath};
    ssl_verify_client on;
    location = /plain-400 { return 400 'bad order id'; }
    location / { default_type text/plain; return 200 'ok $ssl_client_s_dn'; }
  }`,
  );
  return { url: `https://127.0.0.1:${nginx.port}`, close: () => nginx.close() };
}
