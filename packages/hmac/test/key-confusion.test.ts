import { keyConfusionSuite } from './shared/key-confusion.ts';

keyConfusionSuite(300);
