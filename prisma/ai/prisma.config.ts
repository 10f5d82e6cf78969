import { createPrismaConfig } from '../prisma-config.ts';

export default createPrismaConfig('ai');
