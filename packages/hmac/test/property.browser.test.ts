import { propertySuite } from './shared/properties.ts';

propertySuite(50);
