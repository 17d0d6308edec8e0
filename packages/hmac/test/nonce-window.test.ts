import { nonceWindowSuite } from './shared/nonce-window.ts';

nonceWindowSuite(300);
