// Request parts several routes share.
import { z } from 'zod';

/** `{id}` of a resource path. */
export const IdParams = z.object({ id: z.string().min(1).describe('identifier of the resource') });

/** SOL013 §5.2 attribute filter. */
export const filter = z.string().describe('SOL013 §5.2 attribute filter, e.g. (eq,operationState,COMPLETED)').optional();
