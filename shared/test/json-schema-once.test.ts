import * as z from 'zod/v4';

import { jsonSchemaOnce } from '../src/tools/json-schema-once';

describe('jsonSchemaOnce', () => {
  const options = { target: 'draft-2020-12' };

  it('gives the same JSON Schema as zod, converted once and reused', () => {
    const plain = z.object({ message: z.string().max(10) });
    const once = jsonSchemaOnce(z.object({ message: z.string().max(10) }));
    const first = once['~standard'].jsonSchema.input(options);
    expect(first).toEqual(plain['~standard'].jsonSchema.input(options));
    expect(once['~standard'].jsonSchema.input(options)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('keeps input and output, and each target, apart', () => {
    const once = jsonSchemaOnce(z.object({ n: z.number().default(1) }));
    const input = once['~standard'].jsonSchema.input(options);
    expect(once['~standard'].jsonSchema.output(options)).not.toBe(input);
    expect(once['~standard'].jsonSchema.input({ target: 'draft-07' })).not.toBe(input);
  });

  it('still validates as zod does', () => {
    const once = jsonSchemaOnce(z.object({ message: z.string() }));
    expect(once.safeParse({ message: 1 }).success).toBe(false);
    expect(once.parse({ message: 'x' })).toEqual({ message: 'x' });
  });
});
