import { rfc9421VectorSuite } from './shared/rfc9421-vectors.ts';

rfc9421VectorSuite();
