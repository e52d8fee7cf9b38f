/**
 * @module The SDK client's lazily built JSON Schema validator validates as the SDK's own does
 * (a tool's structured output against its output schema).
 */
import { describe, expect, it } from 'vitest';
import { LazyAjvValidator } from '../../../services/mcp-client/schema-validator.js';

describe('LazyAjvValidator', () => {
  it('accepts what matches the schema and names what does not', () => {
    const validate = new LazyAjvValidator().getValidator<{ n: number }>({
      type: 'object',
      properties: { n: { type: 'integer' }, at: { type: 'string', format: 'date-time' } },
      required: ['n'],
    });
    expect(validate({ n: 1 })).toEqual({ valid: true, data: { n: 1 }, errorMessage: undefined });
    expect(validate({ n: 'one' })).toMatchObject({ valid: false, errorMessage: /must be integer/ });
    expect(validate({ n: 1, at: 'yesterday' })).toMatchObject({
      valid: false,
      errorMessage: /must match format "date-time"/,
    });
  });
});
